//! `ecs-plaintext-secrets`: ECS container definitions pass secrets through `secrets`, not
//! plaintext `environment` values.

use super::{Context, Rule, RuleMeta, SeedRef};
use crate::finding::{Finding, Severity};
use crate::model::Value;

/// The rule.
pub struct EcsPlaintextSecrets;

static META: RuleMeta = RuleMeta {
    id: "ecs-plaintext-secrets",
    title: "Containers take secrets from a secret store",
    severity: Severity::Error,
    seed: SeedRef {
        file: "001_352796ef1f4e6934.txt",
        quote: "Secrets Manager for database credentials",
    },
    description: "ECS task definitions do not put passwords, tokens or keys in a container's `environment`: they are readable by anyone who can describe the task definition.",
    fix: "Move the value to Secrets Manager or SSM Parameter Store and reference it from the container's `secrets` list (`valueFrom`).",
    checkov: &[],
    trivy: &["AVD-AWS-0036"],
    checks: r##"`aws_ecs_task_definition` whose `container_definitions` (a `jsonencode(...)` value, a heredoc or a `file()`-free string) has an `environment` entry whose name contains PASSWORD, SECRET, TOKEN, API_KEY, PRIVATE_KEY, ACCESS_KEY or CREDENTIAL with a non-empty known value; and an `aws_instance` whose `user_data` script passes such a variable a literal value (`--env NAME=value`, `-e NAME=value`, `export NAME=value`; a value taken from a command or variable, `$(...)`, is fine). Blueprint composites are checked as what they build: `container { environment }` of `blueprint_secure_service` is its task definition's, `environment` of `blueprint_ml_host` is its instance's boot script (use `container { secrets }` and `secret_environment`, which take Secrets Manager or SSM ARNs). Inside the provider this is an error at `terraform plan`, on the variable (e.g. `At container.environment["API_TOKEN"]`)."##,
    notes: r##"Checkov has no check for secrets in an ECS container's `environment` (CKV_AWS_97, sometimes cited, is about EFS transit encryption in task definitions)."##,
    reads: &["aws_ecs_task_definition", "aws_instance"],
    prod_only: false,
};

const SECRET_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
    "ACCESS_KEY",
    "CREDENTIAL",
];

impl Rule for EcsPlaintextSecrets {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let mut out = Vec::new();
        for r in ctx.model.of_types(&["aws_ecs_task_definition"]) {
            let decoded;
            let defs = match r.attributes.get("container_definitions") {
                Value::String(s) => match serde_json::from_str::<serde_json::Value>(s) {
                    Ok(j) => {
                        decoded = Value::from_json(&j);
                        &decoded
                    }
                    Err(_) => continue,
                },
                v @ Value::List(_) => v,
                _ => continue,
            };
            for (i, c) in defs.elements() {
                for (j, env) in c.get("environment").elements() {
                    let (Some(name), Some(value)) =
                        (env.get("name").as_str(), env.get("value").as_str())
                    else {
                        continue;
                    };
                    let upper = name.to_ascii_uppercase();
                    if value.is_empty()
                        || value.starts_with("${")
                        || !SECRET_WORDS.iter().any(|w| upper.contains(w))
                    {
                        continue;
                    }
                    out.push(ctx.finding(
                        &META,
                        r,
                        crate::path!["container_definitions", i, "environment", j, "value"],
                        format!(
                            "container `{}` gets `{name}` as a plaintext environment variable",
                            c.get("name").as_str().unwrap_or("?")
                        ),
                    ));
                }
            }
        }
        // A boot script that passes a secret in plaintext: `--env NAME=value`, `-e NAME=value`
        // or `export NAME=value` in an instance's `user_data` (what `blueprint_ml_host` renders
        // from its `environment`).
        for r in ctx.model.of_types(&["aws_instance"]) {
            let Some(script) = r.attributes.get("user_data").as_str() else {
                continue;
            };
            for (name, value) in script_assignments(script) {
                let upper = name.to_ascii_uppercase();
                if value.is_empty()
                    || value.starts_with('$')
                    || !SECRET_WORDS.iter().any(|w| upper.contains(w))
                {
                    continue;
                }
                out.push(ctx.finding(
                    &META,
                    r,
                    vec![
                        crate::finding::PathStep::attr("user_data"),
                        crate::finding::PathStep::Key(name.clone()),
                    ],
                    format!(
                        "`{name}` is a plaintext environment variable in the boot script; use the secret environment"
                    ),
                ));
            }
        }
        out
    }
}

/// Undoes shell quoting of one word: `'...'` (with `'\''` for a quote), `"..."`, or bare.
fn unquote(word: &str) -> String {
    let w = word.trim();
    if let Some(inner) = w.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')) {
        inner.replace("'\\''", "'")
    } else if let Some(inner) = w.strip_prefix('"').and_then(|x| x.strip_suffix('"')) {
        inner.to_string()
    } else {
        w.to_string()
    }
}

/// The `NAME=value` assignments of a shell script's `--env`, `-e` and `export` words, in order.
fn script_assignments(script: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in script.lines() {
        let line = line.trim().trim_end_matches('\\').trim();
        let rest = ["--env ", "--env=", "-e ", "export "]
            .iter()
            .find_map(|p| line.strip_prefix(p));
        let Some(rest) = rest else { continue };
        let word = unquote(rest);
        if let Some((name, value)) = word.split_once('=') {
            let name = name.trim();
            if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                out.push((name.to_string(), unquote(value)));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::script_assignments;

    #[test]
    fn assignments_of_a_boot_script() {
        let script = "#!/bin/bash\nexport DB=\"$(fetch 'arn')\"\ndocker run \\\n  --env 'API_TOKEN=it'\\''s' \\\n  -e PLAIN=1 \\\n  --env DB \\\n  image\n";
        assert_eq!(
            script_assignments(script),
            vec![
                ("DB".to_string(), "$(fetch 'arn')".to_string()),
                ("API_TOKEN".to_string(), "it's".to_string()),
                ("PLAIN".to_string(), "1".to_string()),
            ]
        );
    }
}
