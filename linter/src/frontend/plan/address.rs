//! Terraform addresses and reference strings, split into steps:
//! `module.svc["api"].aws_security_group.ecs[0].id` is
//! `module`, `svc["api"]`, `aws_security_group`, `ecs[0]`, `id`.

/// One step of an address: a name and the instance key after it, if any (`[0]`, `["a.b"]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step<'a> {
    /// The name.
    pub name: &'a str,
    /// The key with its brackets, e.g. `[0]` or `["api"]`.
    pub key: Option<&'a str>,
}

impl Step<'_> {
    /// The step as written (`name[key]`).
    pub fn text(&self) -> String {
        format!("{}{}", self.name, self.key.unwrap_or(""))
    }
}

/// Splits an address at its dots, keeping bracketed keys (which may hold dots and quotes) with
/// the name before them. A malformed address yields what could be read.
pub fn split(address: &str) -> Vec<Step<'_>> {
    let b = address.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        while i < b.len() && b[i] != b'.' && b[i] != b'[' {
            i += 1;
        }
        let name = &address[start..i];
        let mut key = None;
        if i < b.len() && b[i] == b'[' {
            let kstart = i;
            let mut in_str = false;
            let mut escaped = false;
            while i < b.len() {
                let c = b[i];
                i += 1;
                if in_str {
                    match (escaped, c) {
                        (true, _) => escaped = false,
                        (false, b'\\') => escaped = true,
                        (false, b'"') => in_str = false,
                        _ => {}
                    }
                } else if c == b'"' {
                    in_str = true;
                } else if c == b']' {
                    break;
                }
            }
            key = Some(&address[kstart..i]);
            // Further keys (`a[0][1]`) are not part of a resource address: skip them.
            while i < b.len() && b[i] == b'[' {
                while i < b.len() && b[i] != b']' {
                    i += 1;
                }
                i += 1;
            }
        }
        out.push(Step { name, key });
        if i < b.len() && b[i] == b'.' {
            i += 1;
        }
    }
    out
}

/// The module instance steps of a resource address (`module.a["x"].module.b.aws_x.y` gives
/// `a["x"]`, `b`) and the rest.
pub fn module_steps<'a>(steps: &'a [Step<'a>]) -> (Vec<&'a Step<'a>>, &'a [Step<'a>]) {
    let mut modules = Vec::new();
    let mut rest = steps;
    while rest.len() >= 2 && rest[0].name == "module" && rest[0].key.is_none() {
        modules.push(&rest[1]);
        rest = &rest[2..];
    }
    (modules, rest)
}

/// `module.a.module.b.` for module instance steps.
pub fn module_prefix(modules: &[String]) -> String {
    modules.iter().map(|m| format!("module.{m}.")).collect()
}

/// The address with every instance key removed (`module.a.aws_x.y`), to match instances of the
/// same block.
pub fn shape(address: &str) -> String {
    split(address)
        .iter()
        .map(|s| s.name)
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_keys_with_dots_and_quotes() {
        let s = split(r#"module.svc["a.b]"].aws_sg.x[0].id"#);
        let texts: Vec<String> = s.iter().map(Step::text).collect();
        assert_eq!(
            texts,
            vec!["module", r#"svc["a.b]"]"#, "aws_sg", "x[0]", "id"]
        );
        let (m, rest) = module_steps(&s);
        assert_eq!(m.len(), 1);
        assert_eq!(rest.len(), 3);
        assert_eq!(
            shape(r#"module.svc["k"].aws_sg.x[0]"#),
            "module.svc.aws_sg.x"
        );
        assert!(split("").is_empty());
        assert_eq!(split("a[").len(), 1);
    }
}
