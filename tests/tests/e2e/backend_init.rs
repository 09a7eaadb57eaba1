//! `blueprint_state_backend`'s `backend_config_args` used by a real `terraform init` on every
//! Terraform version on the machine, against moto: the state lands in the bucket, and a second
//! Terraform is refused while the lock is held.
//!
//! The resource is written for the version under test (`terraform_version`) with `locking` left
//! at its default: the DynamoDB table before 1.10 (Terraform 1.0.3 here), the S3 lock file from
//! 1.10 (1.11.4 here). moto 5.1.20 honours S3 conditional writes (`If-None-Match: *` on
//! PutObject answers 412 PreconditionFailed when the key exists; checked below), which is what
//! Terraform's `use_lockfile` relies on, so the lock-file mode is tested for real: the lock is
//! held by writing the `.tflock` object the way Terraform does, and Terraform's own attempt to
//! take it fails.

use anyhow::{bail, Context, Result};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_s3::primitives::ByteStream;
use blueprint_e2e::terraform::TfWorkdir;
use blueprint_e2e::tf_versions::{for_each_terraform, TerraformBin};
use blueprint_e2e::Harness;

const BUCKET: &str = "init-tfstate";
const KEY: &str = "terraform.tfstate";

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().expect("tokio runtime")
}

/// Whether `version` (`1.11.4`) is 1.10 or newer.
fn has_lockfile(version: &str) -> Result<bool> {
    let mut parts = version.split('.').map(str::parse::<u64>);
    match (parts.next(), parts.next()) {
        (Some(Ok(major)), Some(Ok(minor))) => Ok((major, minor) >= (1, 10)),
        _ => bail!("unexpected Terraform version {version}"),
    }
}

fn backend_config(tf: &TerraformBin) -> String {
    format!(
        r#"
resource "blueprint_state_backend" "state" {{
  bucket            = "{BUCKET}"
  terraform_version = "{version}"
  force_destroy     = true
}}

output "args" {{
  value = blueprint_state_backend.state.backend_config_args
}}

output "locking" {{
  value = blueprint_state_backend.state.locking
}}

output "lock_table" {{
  value = blueprint_state_backend.state.lock_table
}}
"#,
        version = tf.version
    )
}

/// `terraform plan` in `user` with a one-second lock timeout.
fn plan_quickly(user: &TfWorkdir) -> Result<blueprint_e2e::terraform::TfRun> {
    user.run(&["plan", "-input=false", "-no-color", "-lock-timeout=1s"])
}

/// What Terraform writes as lock info, with another owner.
fn lock_info(version: &str) -> String {
    format!(
        r#"{{"ID":"11111111-2222-3333-4444-555555555555","Operation":"OperationTypeApply","Info":"","Who":"someone@elsewhere","Version":"{version}","Created":"2026-11-23T00:00:00Z","Path":"{BUCKET}/{KEY}"}}"#
    )
}

#[test]
fn backend_config_args_init_push_and_lock() {
    for_each_terraform(|tf| {
        let lockfile = has_lockfile(&tf.version)?;
        let h = Harness::start()?.on(tf);
        let wd = h.workdir(&backend_config(tf))?;
        wd.init()?;
        wd.apply()?;
        let outputs = wd.outputs()?;
        let locking = outputs["locking"]["value"].as_str().unwrap_or_default();
        assert_eq!(
            locking,
            if lockfile { "lockfile" } else { "dynamodb" },
            "default locking on {tf}"
        );
        if lockfile {
            assert!(outputs["lock_table"]["value"].is_null(), "{outputs}");
        }
        let args: Vec<String> = outputs["args"]["value"]
            .as_array()
            .context("backend_config_args is a list")?
            .iter()
            .filter_map(|a| a.as_str().map(str::to_string))
            .collect();
        assert!(
            args.iter().any(|a| a == "use_lockfile=true") == lockfile,
            "{args:?}"
        );
        assert!(
            args.iter().any(|a| a.starts_with("dynamodb_table=")) != lockfile,
            "{args:?}"
        );

        // A second configuration whose backend block is empty: everything comes from the args.
        let user = h.empty_workdir()?;
        user.write(
            "main.tf",
            "terraform {\n  backend \"s3\" {}\n}\n\nlocals {\n  greeting = \"world\"\n}\n\noutput \"hello\" {\n  value = local.greeting\n}\n",
        )?;
        let mut init: Vec<String> = vec!["init".into(), "-input=false".into(), "-no-color".into()];
        init.extend(args.iter().map(|a| format!("-backend-config={a}")));
        let init_refs: Vec<&str> = init.iter().map(String::as_str).collect();
        let inited = user.run(&init_refs)?.ok()?;
        // The settings are this version's own: no deprecation warning for any of them.
        assert!(
            !inited.all_output().to_lowercase().contains("deprecated"),
            "{inited}"
        );
        user.apply()?;

        let probe = h.probe();
        rt().block_on(async {
            // The state is in the bucket.
            let obj = probe
                .s3()
                .get_object()
                .bucket(BUCKET)
                .key(KEY)
                .send()
                .await
                .context("state object")?;
            let body = obj.body.collect().await?.into_bytes();
            let state: serde_json::Value = serde_json::from_slice(&body)?;
            assert_eq!(state["outputs"]["hello"]["value"], "world");

            // Someone else holds the lock, the way Terraform takes it.
            if lockfile {
                let put = || {
                    probe
                        .s3()
                        .put_object()
                        .bucket(BUCKET)
                        .key(format!("{KEY}.tflock"))
                        .if_none_match("*")
                        .body(ByteStream::from(lock_info(&tf.version).into_bytes()))
                };
                put().send().await.context("taking the lock file")?;
                // moto honours the conditional write Terraform's lock file relies on.
                let again = put().send().await;
                let refused = again
                    .as_ref()
                    .err()
                    .and_then(|e| e.raw_response())
                    .map(|r| r.status().as_u16());
                assert_eq!(refused, Some(412), "{again:?}");
                // No table: lock files only.
                let tables = probe.dynamodb().list_tables().send().await?;
                assert!(tables.table_names().is_empty(), "{tables:?}");
            } else {
                probe
                    .dynamodb()
                    .put_item()
                    .table_name(format!("{BUCKET}-lock"))
                    .item("LockID", AttributeValue::S(format!("{BUCKET}/{KEY}")))
                    .item("Info", AttributeValue::S(lock_info(&tf.version)))
                    .condition_expression("attribute_not_exists(LockID)")
                    .send()
                    .await
                    .context("taking the lock item")?;
            }
            anyhow::Ok(())
        })?;

        let locked = plan_quickly(&user)?;
        assert_ne!(locked.code, 0, "{locked}");
        assert!(
            locked
                .all_output()
                .contains("Error acquiring the state lock"),
            "{locked}"
        );
        assert!(
            locked.all_output().contains("someone@elsewhere"),
            "the lock error names the holder: {locked}"
        );

        // Released, the same plan goes through: the lock was the only obstacle.
        rt().block_on(async {
            if lockfile {
                probe
                    .s3()
                    .delete_object()
                    .bucket(BUCKET)
                    .key(format!("{KEY}.tflock"))
                    .send()
                    .await?;
            } else {
                probe
                    .dynamodb()
                    .delete_item()
                    .table_name(format!("{BUCKET}-lock"))
                    .key("LockID", AttributeValue::S(format!("{BUCKET}/{KEY}")))
                    .send()
                    .await?;
            }
            anyhow::Ok(())
        })?;
        let free = plan_quickly(&user)?;
        assert_eq!(free.code, 0, "{free}");

        wd.destroy()?;
        assert_eq!(h.leftovers()?, Vec::<String>::new());
        Ok(())
    });
}

fn switching_config(tf: &TerraformBin, locking: &str) -> String {
    format!(
        r#"
resource "blueprint_state_backend" "state" {{
  bucket            = "{BUCKET}"
  terraform_version = "{version}"
  locking           = "{locking}"
  force_destroy     = true
}}
"#,
        version = tf.version
    )
}

/// The DynamoDB tables in moto.
fn tables(h: &Harness) -> Result<Vec<String>> {
    let probe = h.probe();
    rt().block_on(async {
        let out = probe.dynamodb().list_tables().send().await?;
        anyhow::Ok(out.table_names().to_vec())
    })
}

/// Changing `locking` deletes or creates the table in place (Terraform 1.10+, where the lock
/// file exists; on older versions a plan error is expected instead).
#[test]
fn changing_locking_creates_or_deletes_the_table_in_place() {
    for_each_terraform(|tf| {
        let h = Harness::start()?.on(tf);
        let wd = h.workdir(&switching_config(tf, "dynamodb"))?;
        wd.init()?;
        if !has_lockfile(&tf.version)? {
            h.rewrite(&wd, &switching_config(tf, "lockfile"))?;
            let plan = wd.plan()?;
            assert_ne!(plan.code, 0, "{plan}");
            assert!(plan.all_output().contains("needs Terraform 1.10"), "{plan}");
            return Ok(());
        }
        wd.apply()?;
        assert_eq!(tables(&h)?, vec![format!("{BUCKET}-lock")]);
        let bucket_arn = wd
            .state_values("blueprint_state_backend.state")?
            .context("in state")?["bucket_arn"]
            .clone();

        for (locking, table) in [("lockfile", false), ("both", true), ("dynamodb", true)] {
            h.rewrite(&wd, &switching_config(tf, locking))?;
            let plan = wd.plan()?;
            let text = plan.all_output();
            assert!(text.contains("updated in-place"), "{locking}: {plan}");
            assert!(!text.contains("must be replaced"), "{locking}: {plan}");
            wd.apply()?;
            assert!(wd.plan_is_empty()?, "{locking}: {}", wd.plan()?);
            let values = wd
                .state_values("blueprint_state_backend.state")?
                .context("in state")?;
            assert_eq!(values["bucket_arn"], bucket_arn, "{locking}: same bucket");
            assert_eq!(values["lock_table_arn"].is_null(), !table, "{values}");
            let want: Vec<String> = if table {
                vec![format!("{BUCKET}-lock")]
            } else {
                Vec::new()
            };
            assert_eq!(tables(&h)?, want, "{locking}");
        }
        wd.destroy()?;
        assert_eq!(h.leftovers()?, Vec::<String>::new());
        Ok(())
    });
}

/// Unset, `terraform_version` is the version of the Terraform that plans the resource (the
/// provider learns it from ConfigureProvider), and `locking` follows it.
#[test]
fn terraform_version_defaults_to_the_running_terraform() {
    for_each_terraform(|tf| {
        let h = Harness::start()?.on(tf);
        let wd = h.workdir(&format!(
            "resource \"blueprint_state_backend\" \"state\" {{\n  bucket        = \"{BUCKET}\"\n  force_destroy = true\n}}\n"
        ))?;
        wd.init()?;
        wd.apply()?;
        let values = wd
            .state_values("blueprint_state_backend.state")?
            .context("in state")?;
        assert_eq!(values["terraform_version"], tf.version.as_str(), "{values}");
        let lockfile = has_lockfile(&tf.version)?;
        assert_eq!(
            values["locking"],
            if lockfile { "lockfile" } else { "dynamodb" },
            "{values}"
        );
        assert!(wd.plan_is_empty()?, "{}", wd.plan()?);
        wd.destroy()?;
        assert_eq!(h.leftovers()?, Vec::<String>::new());
        Ok(())
    });
}
