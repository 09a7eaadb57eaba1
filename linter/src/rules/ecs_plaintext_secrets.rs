//! `ecs-plaintext-secrets`: ECS container definitions pass secrets through `secrets`, not
//! plaintext `environment` values.

use super::{Context, Rule, RuleMeta, SeedRef};
use crate::finding::{Finding, PathStep, Severity};
use crate::model::Value;
use blueprint_declarations::secrets;

/// The rule.
pub struct EcsPlaintextSecrets;

static META: RuleMeta = RuleMeta {
    id: "ecs-plaintext-secrets",
    title: "Containers and functions take secrets from a secret store",
    severity: Severity::Error,
    seed: SeedRef {
        file: "001_352796ef1f4e6934.txt",
        quote: "Secrets Manager for database credentials",
    },
    description: "ECS task definitions, Lambda functions and boot scripts do not put passwords, tokens or keys in plain environment variables: they are readable by anyone who can describe the task definition or the function. Secrets are found by value (GitHub tokens, AWS access keys, URLs with a password, private keys, Slack tokens, JWTs...) as well as by name.",
    fix: "Move the value to Secrets Manager or SSM Parameter Store and reference it from the container's `secrets` list (`valueFrom`).",
    checkov: &["CKV_AWS_45"],
    trivy: &["AVD-AWS-0036"],
    checks: r##"Plain environment variables: an `environment` entry of an `aws_ecs_task_definition`'s `container_definitions` (a `jsonencode(...)` value, a heredoc or a `file()`-free string), a variable of an `aws_lambda_function`'s `environment { variables }`, and a variable an `aws_instance`'s `user_data` script passes a literal value (`--env NAME=value`, `-e NAME=value`, `export NAME=value`). One detector (`blueprint_declarations::secrets`, shared with the composites' own checks) decides, on name and value:

- **by value, under any name**: a GitHub token (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`), an AWS access key id (`AKIA`, `ASIA`, ...), a URL with a password (`postgres://user:password@host`), a private key header (`-----BEGIN ... PRIVATE KEY-----`), a Slack token (`xox?-`) or webhook, a JSON Web Token, a Stripe live key, a Google API key, an OpenAI key, a Hugging Face token (`hf_`) or a GitLab token (`glpat-`);
- **by name**: a name containing PASSWORD, PASSWD, SECRET, TOKEN, API_KEY, APIKEY, PRIVATE_KEY, ACCESS_KEY or CREDENTIAL, with any non-empty value — unless the name ends in `_ARN`, `_PARAMETER`, `_PARAMETER_NAME`, `_PARAM`, `_SSM_PATH`, `_SECRET_ID` or `_SECRET_NAME` (it holds where the secret is, the recommended way);
- **random-looking under a secret-ish name**: a name containing KEY, AUTH, PASS, PWD, CREDS, SALT, SIGNATURE, DSN, CERT or PRIVATE whose value has 20 or more characters without spaces, two or more of lowercase, uppercase and digits, and at least 3.5 bits of Shannon entropy per character.

An empty value or one filled from elsewhere (`${...}`, `$(...)`, `$NAME`) is never reported, and no finding prints the value. Blueprint composites are checked as what they build: `container { environment }` of `blueprint_secure_service` is its task definition's, `environment` of `blueprint_ml_host` is its instance's boot script, a `stage`'s `environment` of `blueprint_data_pipeline` is its function's (use `container { secrets }`, `secret_environment`, or a name ending in `_ARN`/`_PARAMETER` holding where the secret is). Inside the provider this is an error at `terraform plan`, on the variable (e.g. `At container.environment["API_TOKEN"]`)."##,

    notes: r##"Checkov has no check for secrets in an ECS container's `environment` (CKV_AWS_97, sometimes cited, is about EFS transit encryption in task definitions); its CKV_AWS_45 looks for AWS access keys in a Lambda's environment. Secret scanners (gitleaks, trufflehog, Checkov's secrets framework) find credentials by value in any text; this rule applies the same idea to the values a deployment puts in plain environments, where a harmless name (`CONFIG`, `GH`) hides a token."##,
    reads: &["aws_ecs_task_definition", "aws_instance", "aws_lambda_function"],
    prod_only: false,
};

/// Whether `name = value` is a plaintext secret (the shared detector: by value, by name, or a
/// random-looking value under a secret-ish name), and why.
fn secret(name: &str, value: &str) -> Option<String> {
    secrets::classify(name, value).map(|s| s.reason())
}

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
                    let Some(why) = secret(name, value) else {
                        continue;
                    };
                    out.push(ctx.finding(
                        &META,
                        r,
                        crate::path!["container_definitions", i, "environment", j, "value"],
                        format!(
                            "container `{}` gets `{name}` as a plaintext environment variable: {why}",
                            c.get("name").as_str().unwrap_or("?")
                        ),
                    ));
                }
            }
        }
        // A function's environment (what `blueprint_data_pipeline` builds from a stage's).
        for r in ctx.model.of_types(&["aws_lambda_function"]) {
            for (i, env) in r.attributes.blocks("environment") {
                let Value::Map(vars) = env.get("variables") else {
                    continue;
                };
                for (name, value) in vars {
                    let Some(value) = value.as_str() else {
                        continue;
                    };
                    let Some(why) = secret(name, value) else {
                        continue;
                    };
                    out.push(ctx.finding(
                        &META,
                        r,
                        vec![
                            PathStep::attr("environment"),
                            PathStep::Index(i),
                            PathStep::attr("variables"),
                            PathStep::Key(name.clone()),
                        ],
                        format!(
                            "`{name}` is a plaintext environment variable of the function: {why}"
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
                let Some(why) = secret(&name, &value) else {
                    continue;
                };
                out.push(ctx.finding(
                    &META,
                    r,
                    vec![PathStep::attr("user_data"), PathStep::Key(name.clone())],
                    format!(
                        "`{name}` is a plaintext environment variable in the boot script: {why}; use the secret environment"
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
