//! Render the `backend "s3"` block for a given Terraform version, and its `-backend-config` form.
//!
//! The settings follow [`super::syntax`]'s version table: Terraform before 1.6 spells endpoint
//! overrides `endpoint`, `dynamodb_endpoint`, `sts_endpoint`, `iam_endpoint` and path style
//! `force_path_style`; 1.6 and newer take an `endpoints = { s3 = ..., dynamodb = ... }` object
//! and `use_path_style` (and warn about the old names); 1.10 adds `use_lockfile`. Each version
//! rejects the other's names, so the block is rendered for exactly one.
//!
//! Every value is written by hcl-rs's formatter, which escapes quotes, backslashes, control
//! characters and the template markers `${` and `%{` (see [`quoted`] for the one case it gets
//! wrong), so a bucket or key name can never become an interpolation, a directive or a second
//! attribute. The block keeps `terraform fmt`'s layout (aligned `=`), which hcl-rs does not do.

use std::collections::BTreeMap;

use hcl::Expression;

use super::syntax::{Locking, TfVersion};

/// What goes into the backend block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendSettings<'a> {
    /// State bucket.
    pub bucket: &'a str,
    /// Object key of the state.
    pub key: &'a str,
    /// Region.
    pub region: &'a str,
    /// Lock table (rendered only when `locking` uses it).
    pub dynamodb_table: Option<&'a str>,
    /// How the state is locked.
    pub locking: Locking,
    /// The Terraform version the block is for.
    pub version: TfVersion,
    /// KMS key for SSE-KMS, if any.
    pub kms_key_id: Option<&'a str>,
    /// The provider's endpoint overrides, by service name.
    pub endpoints: &'a BTreeMap<String, String>,
    /// Path-style S3.
    pub force_path_style: bool,
}

/// One backend setting: a string, a flag or an object of strings (`endpoints`).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Setting<'a> {
    Text(&'a str),
    Flag(bool),
    Object(Vec<(&'static str, &'a str)>),
}

/// Stand-ins for `$` and `%` while hcl-rs writes a string (Unicode private use: never escaped).
const DOLLAR: char = '\u{E000}';
const PERCENT: char = '\u{E001}';

/// `expr` as HCL, written by hcl-rs. Formatting into memory only fails on I/O, which a `Vec`
/// cannot have; `null` would make Terraform reject the block rather than take a wrong value.
fn write(expr: &Expression) -> String {
    hcl::format::to_string(expr).unwrap_or_else(|_| "null".to_string())
}

/// `text` as a quoted HCL string that evaluates back to `text`.
///
/// hcl-rs 0.20 escapes quotes, backslashes and control characters correctly, but its marker
/// escaping (`hcl_primitives::template::escape_markers`) reads `$` and `%` in pairs once it has
/// met a first marker, so in `${a}%${b}` the second `${` stays an interpolation and in
/// `${a}$${b}` the escape is lost. When `$` or `%` touch, they are hidden from it and the
/// markers are escaped here (`${` as `$${`, `%{` as `%%{`).
fn quoted(text: &str) -> String {
    let touching = text
        .as_bytes()
        .windows(2)
        .any(|w| matches!(w, [b'$' | b'%', b'$' | b'%']));
    if !touching {
        return write(&Expression::String(text.to_string()));
    }
    if text.contains([DOLLAR, PERCENT]) {
        return "null".to_string();
    }
    let hidden: String = text
        .chars()
        .map(|c| match c {
            '$' => DOLLAR,
            '%' => PERCENT,
            c => c,
        })
        .collect();
    write(&Expression::String(hidden))
        .replace(&format!("{DOLLAR}{{"), "$${")
        .replace(&format!("{PERCENT}{{"), "%%{")
        .replace(DOLLAR, "$")
        .replace(PERCENT, "%")
}

impl Setting<'_> {
    /// The value as an HCL expression; an object's lines are indented by `indent` spaces.
    fn hcl(&self, indent: usize) -> String {
        match self {
            Setting::Text(s) => quoted(s),
            Setting::Flag(b) => write(&Expression::Bool(*b)),
            Setting::Object(fields) => {
                let width = fields.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
                let mut out = String::from("{\n");
                for (k, v) in fields {
                    out.push_str(&format!("{:indent$}  {k:<width$} = {}\n", "", quoted(v)));
                }
                out.push_str(&format!("{:indent$}}}", ""));
                out
            }
        }
    }

    /// The value as `terraform init -backend-config=key=value` takes it: Terraform reads the
    /// text after `=` literally for string settings, converts it for booleans and parses it as
    /// an HCL expression for objects.
    fn raw(&self) -> String {
        match self {
            Setting::Text(s) => s.to_string(),
            Setting::Flag(b) => b.to_string(),
            Setting::Object(fields) => {
                let inner: Vec<String> = fields
                    .iter()
                    .map(|(k, v)| format!("{k}={}", quoted(v)))
                    .collect();
                format!("{{{}}}", inner.join(","))
            }
        }
    }
}

impl<'a> BackendSettings<'a> {
    /// `(key, value)` pairs in a stable order, in the syntax of `self.version`.
    fn pairs(&self) -> Vec<(&'static str, Setting<'a>)> {
        let mut out = vec![
            ("bucket", Setting::Text(self.bucket)),
            ("key", Setting::Text(self.key)),
            ("region", Setting::Text(self.region)),
        ];
        if self.locking.uses_lockfile() && self.version.has_lockfile() {
            out.push(("use_lockfile", Setting::Flag(true)));
        }
        if let (true, Some(table)) = (self.locking.uses_table(), self.dynamodb_table) {
            out.push(("dynamodb_table", Setting::Text(table)));
        }
        out.push(("encrypt", Setting::Flag(true)));
        if let Some(k) = self.kms_key_id {
            out.push(("kms_key_id", Setting::Text(k)));
        }
        let services = [
            ("s3", "endpoint"),
            ("dynamodb", "dynamodb_endpoint"),
            ("sts", "sts_endpoint"),
            ("iam", "iam_endpoint"),
        ];
        if self.version.has_endpoints_block() {
            let fields: Vec<(&'static str, &'a str)> = services
                .iter()
                .filter_map(|(service, _)| {
                    self.endpoints
                        .get(*service)
                        .map(|url| (*service, url.as_str()))
                })
                .collect();
            if self.force_path_style {
                out.push(("use_path_style", Setting::Flag(true)));
            }
            if !fields.is_empty() {
                out.push(("endpoints", Setting::Object(fields)));
            }
        } else {
            for (service, name) in services {
                if let Some(url) = self.endpoints.get(service) {
                    out.push((name, Setting::Text(url)));
                }
            }
            if self.force_path_style {
                out.push(("force_path_style", Setting::Flag(true)));
            }
        }
        out
    }

    /// The `terraform { backend "s3" { ... } }` block.
    pub fn render_block(&self) -> String {
        let pairs = self.pairs();
        let width = pairs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        let mut out = String::from("terraform {\n  backend \"s3\" {\n");
        for (k, v) in pairs {
            out.push_str(&format!("    {k:<width$} = {}\n", v.hcl(4)));
        }
        out.push_str("  }\n}\n");
        out
    }

    /// `key=value` strings for `terraform init -backend-config=...` (values as they are: the
    /// CLI does not parse them as HCL).
    pub fn render_args(&self) -> Vec<String> {
        self.pairs()
            .into_iter()
            .map(|(k, v)| format!("{k}={}", v.raw()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_aws_block() {
        let endpoints = BTreeMap::new();
        let s = BackendSettings {
            bucket: "senas-tfstate",
            key: "prod/terraform.tfstate",
            region: "us-east-2",
            dynamodb_table: Some("senas-tfstate-lock"),
            locking: Locking::Dynamodb,
            version: TfVersion::OLDEST,
            kms_key_id: None,
            endpoints: &endpoints,
            force_path_style: false,
        };
        insta::assert_snapshot!(s.render_block());
        insta::assert_debug_snapshot!(s.render_args());
    }

    #[test]
    fn endpoint_overrides_use_terraform_1_0_names() {
        let mut endpoints = BTreeMap::new();
        for svc in ["s3", "dynamodb", "sts", "iam", "ec2"] {
            endpoints.insert(svc.to_string(), "http://127.0.0.1:5000".to_string());
        }
        let s = BackendSettings {
            bucket: "b-state",
            key: "terraform.tfstate",
            region: "us-east-1",
            dynamodb_table: Some("b-state-lock"),
            locking: Locking::Dynamodb,
            version: TfVersion::OLDEST,
            kms_key_id: Some("arn:aws:kms:us-east-1:123456789012:key/abc"),
            endpoints: &endpoints,
            force_path_style: true,
        };
        insta::assert_snapshot!(s.render_block());
    }

    /// The attributes of `backend "s3"` in `block`, evaluated by hcl-rs as Terraform would.
    fn parse_back(block: &str) -> BTreeMap<String, hcl::Value> {
        use hcl::eval::{Context, Evaluate};
        let body = hcl::parse(block).unwrap_or_else(|e| panic!("{e}\n{block}"));
        let terraform = body
            .blocks()
            .find(|b| b.identifier() == "terraform")
            .unwrap();
        let backend = terraform
            .body()
            .blocks()
            .find(|b| b.identifier() == "backend")
            .unwrap();
        assert_eq!(backend.labels().len(), 1);
        assert_eq!(backend.labels()[0].as_str(), "s3");
        assert_eq!(backend.body().blocks().count(), 0, "{block}");
        backend
            .body()
            .attributes()
            .map(|a| {
                let value = a
                    .expr()
                    .evaluate(&Context::new())
                    .unwrap_or_else(|e| panic!("{}: {e}\n{block}", a.key()));
                (a.key().to_string(), value)
            })
            .collect()
    }

    #[test]
    fn hostile_names_come_back_unchanged() {
        let endpoints = BTreeMap::from([(
            "s3".to_string(),
            "http://h/${path.cwd}%{ if true }x%{ endif }".to_string(),
        )]);
        let bucket = "b-${var.x}";
        let key = "env/%{ for k in [1] }${k}%{ endfor }\nsecond = \"line\"\n\\path\t$${already}";
        let table = "lock\"}\nresource \"x\" \"y\" {";
        let kms = "k\r\u{1}µ ${";
        let s = BackendSettings {
            bucket,
            key,
            region: "us-east-1",
            dynamodb_table: Some(table),
            locking: Locking::Dynamodb,
            version: TfVersion::OLDEST,
            kms_key_id: Some(kms),
            endpoints: &endpoints,
            force_path_style: true,
        };
        let block = s.render_block();
        let back = parse_back(&block);
        let text = |v: &str| hcl::Value::String(v.to_string());
        let expected = BTreeMap::from([
            ("bucket".to_string(), text(bucket)),
            ("key".to_string(), text(key)),
            ("region".to_string(), text("us-east-1")),
            ("dynamodb_table".to_string(), text(table)),
            ("encrypt".to_string(), hcl::Value::Bool(true)),
            ("kms_key_id".to_string(), text(kms)),
            ("endpoint".to_string(), text(&endpoints["s3"])),
            ("force_path_style".to_string(), hcl::Value::Bool(true)),
        ]);
        assert_eq!(back, expected, "{block}");
        // One line per attribute: no value spills onto a line of its own.
        assert_eq!(block.lines().count(), 2 + expected.len() + 2, "{block}");
    }

    #[test]
    fn markers_next_to_dollars_and_percents_stay_literal() {
        // Each of these defeats hcl-rs's own marker escaping (pairs read after a first marker).
        for text in [
            "${a}%${b}",
            "${a}$${b}",
            "%{a}%%{b}",
            "${a}$$${b}$",
            "%$%{x}${y}%",
            "$$$$",
            "100%{",
        ] {
            let endpoints = BTreeMap::new();
            let s = BackendSettings {
                bucket: "b",
                key: text,
                region: "r",
                dynamodb_table: Some("t"),
                locking: Locking::Dynamodb,
                version: TfVersion::OLDEST,
                kms_key_id: None,
                endpoints: &endpoints,
                force_path_style: false,
            };
            let block = s.render_block();
            assert_eq!(
                parse_back(&block)["key"],
                hcl::Value::String(text.to_string()),
                "{block}"
            );
        }
    }

    #[test]
    fn plain_values_parse_back_too() {
        let endpoints = BTreeMap::new();
        let s = BackendSettings {
            bucket: "senas-tfstate",
            key: "prod/terraform.tfstate",
            region: "us-east-2",
            dynamodb_table: Some("senas-tfstate-lock"),
            locking: Locking::Dynamodb,
            version: TfVersion::OLDEST,
            kms_key_id: None,
            endpoints: &endpoints,
            force_path_style: false,
        };
        let back = parse_back(&s.render_block());
        assert_eq!(back.len(), 5);
        assert_eq!(
            back["key"],
            hcl::Value::String("prod/terraform.tfstate".into())
        );
        assert_eq!(back["encrypt"], hcl::Value::Bool(true));
    }

    #[test]
    fn args_carry_values_as_they_are() {
        let endpoints = BTreeMap::new();
        let s = BackendSettings {
            bucket: "b\"q\\",
            key: "k ${x}",
            region: "us-east-1",
            dynamodb_table: Some("t"),
            locking: Locking::Dynamodb,
            version: TfVersion::OLDEST,
            kms_key_id: None,
            endpoints: &endpoints,
            force_path_style: true,
        };
        assert_eq!(
            s.render_args(),
            [
                "bucket=b\"q\\",
                "key=k ${x}",
                "region=us-east-1",
                "dynamodb_table=t",
                "encrypt=true",
                "force_path_style=true",
            ]
        );
    }

    /// Every version boundary × every locking mode, with all four endpoint overrides and path
    /// style (the moto setup), as a block and as arguments.
    #[test]
    fn block_per_version_and_locking() {
        let endpoints: BTreeMap<String, String> = ["s3", "dynamodb", "sts", "iam"]
            .iter()
            .map(|s| (s.to_string(), "http://127.0.0.1:5000".to_string()))
            .collect();
        let mut rendered = String::new();
        for version in ["1.0", "1.5.7", "1.6", "1.10", "1.11.4"] {
            let v = TfVersion::parse(version).unwrap();
            for locking in [Locking::Dynamodb, Locking::Lockfile, Locking::Both] {
                if !v.has_lockfile() && locking != Locking::Dynamodb {
                    continue;
                }
                let s = BackendSettings {
                    bucket: "b-state",
                    key: "terraform.tfstate",
                    region: "us-east-1",
                    dynamodb_table: locking.uses_table().then_some("b-state-lock"),
                    locking,
                    version: v,
                    kms_key_id: None,
                    endpoints: &endpoints,
                    force_path_style: true,
                };
                let block = s.render_block();
                let back = parse_back(&block);
                assert_eq!(back.contains_key("dynamodb_table"), locking.uses_table());
                assert_eq!(back.contains_key("use_lockfile"), locking.uses_lockfile());
                assert_eq!(back.contains_key("endpoints"), v.has_endpoints_block());
                assert_eq!(back.contains_key("endpoint"), !v.has_endpoints_block());
                rendered.push_str(&format!(
                    "# Terraform {version}, locking = {}\n{block}{}\n\n",
                    locking.as_str(),
                    s.render_args().join("\n")
                ));
            }
        }
        insta::assert_snapshot!(rendered);
    }

    #[test]
    fn endpoint_object_values_parse_back() {
        let endpoints = BTreeMap::from([
            ("s3".to_string(), "http://h/${x}\"q".to_string()),
            ("ec2".to_string(), "http://ignored".to_string()),
        ]);
        let s = BackendSettings {
            bucket: "b",
            key: "k",
            region: "r",
            dynamodb_table: None,
            locking: Locking::Lockfile,
            version: TfVersion::new(1, 11, 4),
            kms_key_id: None,
            endpoints: &endpoints,
            force_path_style: false,
        };
        let block = s.render_block();
        let back = parse_back(&block);
        let mut object = hcl::Map::new();
        object.insert(
            "s3".to_string(),
            hcl::Value::String(endpoints["s3"].clone()),
        );
        assert_eq!(back["endpoints"], hcl::Value::Object(object), "{block}");
        assert!(!back.contains_key("use_path_style"), "{block}");
        // The argument form is an HCL object expression too.
        let arg = s
            .render_args()
            .into_iter()
            .find_map(|a| a.strip_prefix("endpoints=").map(str::to_string))
            .unwrap();
        let expr: hcl::Expression = arg.parse().unwrap_or_else(|e| panic!("{e}: {arg}"));
        use hcl::eval::{Context, Evaluate};
        let mut object = hcl::Map::new();
        object.insert(
            "s3".to_string(),
            hcl::Value::String(endpoints["s3"].clone()),
        );
        assert_eq!(
            expr.evaluate(&Context::new()).unwrap(),
            hcl::Value::Object(object)
        );
    }
}
