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
    checks: r##"`aws_ecs_task_definition` whose `container_definitions` (a `jsonencode(...)` value, a heredoc or a `file()`-free string) has an `environment` entry whose name contains PASSWORD, SECRET, TOKEN, API_KEY, PRIVATE_KEY, ACCESS_KEY or CREDENTIAL with a non-empty known value. The same for the composites' environment maps:
`container { environment }` of `blueprint_secure_service` and `environment` of
`blueprint_ml_host` (use `container { secrets }` and `secret_environment`, which take Secrets
Manager or SSM ARNs). Inside the provider this is an error at `terraform plan`, on the variable
(e.g. `At container.environment["API_TOKEN"]`)."##,
    notes: r##"Checkov has no check for secrets in an ECS container's `environment` (CKV_AWS_97, sometimes cited, is about EFS transit encryption in task definitions)."##,
    reads: &["aws_ecs_task_definition", "blueprint_ml_host", "blueprint_secure_service"],
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
        // The composites take the environment as a map: `container { environment }` of
        // `blueprint_secure_service`, `environment` of `blueprint_ml_host`.
        for r in ctx
            .model
            .of_types(&["blueprint_secure_service", "blueprint_ml_host"])
        {
            let (env, base) = if r.resource_type == "blueprint_ml_host" {
                (r.attributes.get("environment"), crate::path!["environment"])
            } else {
                match r.attributes.get("container") {
                    Value::List(l) => (
                        l.first()
                            .map(|c| c.get("environment"))
                            .unwrap_or(&Value::Null),
                        crate::path!["container", 0, "environment"],
                    ),
                    c => (
                        c.get("environment"),
                        crate::path!["container", "environment"],
                    ),
                }
            };
            let Value::Map(vars) = env else { continue };
            for (name, value) in vars {
                let Some(value) = value.as_str() else {
                    continue;
                };
                let upper = name.to_ascii_uppercase();
                if value.is_empty() || !SECRET_WORDS.iter().any(|w| upper.contains(w)) {
                    continue;
                }
                let mut path = base.clone();
                path.push(crate::finding::PathStep::Key(name.clone()));
                out.push(ctx.finding(
                    &META,
                    r,
                    path,
                    format!(
                        "`{name}` is a plaintext environment variable; use the secret environment"
                    ),
                ));
            }
        }
        out
    }
}
