//! `blueprint_state_backend` end to end: real Terraform (every version on the machine) against moto.

use std::collections::BTreeSet;

use blueprint_e2e::fault_sweep::{self, Sweep};
use blueprint_e2e::tf_versions::for_each_terraform;
use blueprint_e2e::Harness;

fn config(bucket: &str, extra: &str) -> String {
    format!(
        r#"
resource "blueprint_state_backend" "state" {{
  bucket = "{bucket}"
  # The table on every Terraform version (lock files are covered by backend_init.rs).
  locking = "dynamodb"
  tags = {{
    team = "senas"
  }}
{extra}
}}

output "backend_config" {{
  value = blueprint_state_backend.state.backend_config
}}

output "lock_table" {{
  value = blueprint_state_backend.state.lock_table
}}
"#
    )
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().unwrap()
}

#[test]
fn apply_plan_import_drift_destroy() {
    for_each_terraform(|tf| {
        let h = Harness::start()?.on(tf);
        let wd = h.workdir(&config("senas-tfstate", "")).unwrap();
        wd.init().unwrap();
        let first = wd.plan().unwrap();
        assert!(
            first
                .all_output()
                .contains("TLS-only bucket policy not applied"),
            "{first}"
        );
        wd.apply().unwrap();
        assert!(wd.plan_is_empty().unwrap(), "{}", wd.plan().unwrap());
        let applied = wd.state_resources().unwrap();
        let values = &applied[0].1;
        assert_eq!(values["lock_table"], "senas-tfstate-lock");
        assert_eq!(values["versioning"], "Enabled");
        assert_eq!(values["sse_algorithm"], "AES256");
        assert_eq!(values["public_access_blocked"], true);
        // moto is reached over plain HTTP, where a deny-non-TLS policy would lock everyone out: the
        // provider leaves it out and says so at plan time (it is applied against AWS).
        assert_eq!(values["tls_only_policy"], false);
        assert_eq!(values["point_in_time_recovery"], true);
        assert_eq!(values["bucket_arn"], "arn:aws:s3:::senas-tfstate");

        // Through the SDK: the settings are really there.
        let probe = h.probe();
        rt().block_on(async {
            let s3 = probe.s3();
            let v = s3
                .get_bucket_versioning()
                .bucket("senas-tfstate")
                .send()
                .await
                .unwrap();
            assert_eq!(v.status().map(|s| s.as_str()), Some("Enabled"));
            let pab = s3
                .get_public_access_block()
                .bucket("senas-tfstate")
                .send()
                .await
                .unwrap();
            let c = pab.public_access_block_configuration().unwrap();
            assert_eq!(
                (
                    c.block_public_acls(),
                    c.ignore_public_acls(),
                    c.block_public_policy(),
                    c.restrict_public_buckets()
                ),
                (Some(true), Some(true), Some(true), Some(true))
            );
            let t = probe
                .dynamodb()
                .describe_table()
                .table_name("senas-tfstate-lock")
                .send()
                .await
                .unwrap();
            let t = t.table().unwrap();
            assert_eq!(t.key_schema()[0].attribute_name(), "LockID");
            assert_eq!(
                t.billing_mode_summary()
                    .and_then(|b| b.billing_mode())
                    .map(|m| m.as_str()),
                Some("PAY_PER_REQUEST")
            );
        });

        // Import into a fresh state equals what apply produced.
        wd.forget_state().unwrap();
        wd.import(
            "blueprint_state_backend.state",
            "senas-tfstate,senas-tfstate-lock",
        )
        .unwrap();
        let imported = wd.state_resources().unwrap();
        assert_eq!(imported, applied);
        // The fresh state has no outputs yet: only they may differ, no resource may.
        let after_import = wd.plan().unwrap();
        assert!(
            after_import.code == 0 || !after_import.stdout.contains("Plan:"),
            "{after_import}"
        );
        wd.apply().unwrap();
        assert!(wd.plan_is_empty().unwrap(), "{}", wd.plan().unwrap());

        // Drift: suspend versioning and delete the public access block out of band.
        rt().block_on(async {
            let s3 = probe.s3();
            s3.put_bucket_versioning()
                .bucket("senas-tfstate")
                .versioning_configuration(
                    aws_sdk_s3::types::VersioningConfiguration::builder()
                        .status(aws_sdk_s3::types::BucketVersioningStatus::Suspended)
                        .build(),
                )
                .send()
                .await
                .unwrap();
            s3.delete_public_access_block()
                .bucket("senas-tfstate")
                .send()
                .await
                .unwrap();
        });
        let plan = wd.plan().unwrap();
        assert_eq!(plan.code, 2, "{plan}");
        assert!(plan.stdout.contains("update in-place"), "{plan}");
        assert!(
            plan.stdout.contains("\"Suspended\" -> \"Enabled\""),
            "{plan}"
        );
        assert!(plan.stdout.contains("public_access_blocked"), "{plan}");
        wd.apply().unwrap();
        assert!(wd.plan_is_empty().unwrap());
        rt().block_on(async {
            let v = probe
                .s3()
                .get_bucket_versioning()
                .bucket("senas-tfstate")
                .send()
                .await
                .unwrap();
            assert_eq!(v.status().map(|s| s.as_str()), Some("Enabled"));
        });

        wd.destroy().unwrap();
        assert_eq!(h.leftovers().unwrap(), Vec::<String>::new());
        Ok(())
    });
}

#[test]
fn rendered_backend_config_is_used_by_a_second_working_dir() {
    for_each_terraform(|tf| {
        let h = Harness::start()?.on(tf);
        let wd = h
            .workdir(&config("senas-backend", "  force_destroy = true\n"))
            .unwrap();
        wd.init().unwrap();
        wd.apply().unwrap();
        let backend = wd.outputs().unwrap()["backend_config"]["value"]
            .as_str()
            .unwrap()
            .to_string();
        // `force_path_style` before Terraform 1.6, `use_path_style` from 1.6 (the running version).
        assert!(backend.contains("_path_style"), "{backend}");

        // A second configuration keeps its state in the bucket, locked by the table.
        let user = h.empty_workdir().unwrap();
        user.write("backend.tf", &backend).unwrap();
        user.write("main.tf", "output \"hello\" {\n  value = \"world\"\n}\n")
            .unwrap();
        user.init().unwrap();
        user.apply().unwrap();
        rt().block_on(async {
        let probe = h.probe();
        let obj = probe
            .s3()
            .get_object()
            .bucket("senas-backend")
            .key("terraform.tfstate")
            .send()
            .await
            .unwrap();
        let body = obj.body.collect().await.unwrap().into_bytes();
        let state: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(state["outputs"]["hello"]["value"], "world");
        let items = probe
            .dynamodb()
            .scan()
            .table_name("senas-backend-lock")
            .send()
            .await
            .unwrap();
        let ids: BTreeSet<String> = items
            .items()
            .iter()
            .filter_map(|i| i.get("LockID")?.as_s().ok().cloned())
            .collect();
        assert!(
            ids.contains("senas-backend/terraform.tfstate-md5"),
            "the backend records its digest in the lock table: {ids:?}"
        );
        // Another apply holds the lock: this one must fail with Terraform's lock error.
        probe
            .dynamodb()
            .put_item()
            .table_name("senas-backend-lock")
            .item("LockID", aws_sdk_dynamodb::types::AttributeValue::S("senas-backend/terraform.tfstate".into()))
            .item("Info", aws_sdk_dynamodb::types::AttributeValue::S(
                r#"{"ID":"11111111-2222-3333-4444-555555555555","Operation":"OperationTypeApply","Who":"someone@elsewhere","Version":"1.0.3","Created":"2026-11-23T00:00:00Z","Path":"senas-backend/terraform.tfstate"}"#.into(),
            ))
            .send()
            .await
            .unwrap();
    });
        let locked = user
            .run(&[
                "apply",
                "-auto-approve",
                "-input=false",
                "-no-color",
                "-lock-timeout=2s",
            ])
            .unwrap();
        assert_ne!(locked.code, 0, "{locked}");
        assert!(
            locked
                .all_output()
                .contains("Error acquiring the state lock"),
            "{locked}"
        );

        wd.destroy().unwrap();
        assert_eq!(h.leftovers().unwrap(), Vec::<String>::new());
        Ok(())
    });
}

#[test]
fn non_empty_bucket_is_kept_without_force_destroy() {
    for_each_terraform(|tf| {
        let h = Harness::start()?.on(tf);
        let wd = h.workdir(&config("senas-keep", "")).unwrap();
        wd.init().unwrap();
        wd.apply().unwrap();
        rt().block_on(async {
            h.probe()
                .s3()
                .put_object()
                .bucket("senas-keep")
                .key("terraform.tfstate")
                .body(b"{}".to_vec().into())
                .send()
                .await
                .unwrap();
        });
        let refused = wd.try_destroy().unwrap();
        assert_ne!(refused.code, 0, "{refused}");
        assert!(
            refused
                .all_output()
                .contains("Bucket \"senas-keep\" is not empty"),
            "{refused}"
        );
        assert!(
            wd.state_resources().unwrap().len() == 1,
            "the resource stays in state after a refused destroy"
        );
        // Both parts are still there: nothing half-deleted.
        let left = h.leftovers().unwrap();
        assert_eq!(left.len(), 2, "{left:?}");
        // Opting in deletes every version.
        h.rewrite(&wd, &config("senas-keep", "  force_destroy = true\n"))
            .unwrap();
        wd.apply().unwrap();
        wd.destroy().unwrap();
        assert_eq!(h.leftovers().unwrap(), Vec::<String>::new());
        Ok(())
    });
}

#[test]
fn invalid_bucket_name_fails_plan_on_the_attribute() {
    for_each_terraform(|tf| {
        let h = Harness::start()?.on(tf);
        let wd = h.workdir(&config("Senas_TFState", "")).unwrap();
        wd.init().unwrap();
        let plan = wd.plan().unwrap();
        assert_eq!(plan.code, 1, "{plan}");
        let text = plan.all_output();
        assert!(text.contains("Invalid bucket"), "{text}");
        assert!(text.contains("bucket: bucket \"Senas_TFState\""), "{text}");
        assert!(text.contains("bucket = \"Senas_TFState\""), "{text}");
        assert_eq!(h.leftovers().unwrap(), Vec::<String>::new());
        Ok(())
    });
}

#[test]
fn renaming_the_bucket_plans_a_replacement() {
    for_each_terraform(|tf| {
        let h = Harness::start()?.on(tf);
        let wd = h
            .workdir(&config("senas-one", "  force_destroy = true\n"))
            .unwrap();
        wd.init().unwrap();
        wd.apply().unwrap();
        h.rewrite(&wd, &config("senas-two", "  force_destroy = true\n"))
            .unwrap();
        let plan = wd.plan().unwrap();
        assert!(plan.stdout.contains("must be replaced"), "{plan}");
        assert!(plan.stdout.contains("# forces replacement"), "{plan}");
        wd.apply().unwrap();
        wd.destroy().unwrap();
        assert_eq!(h.leftovers().unwrap(), Vec::<String>::new());
        Ok(())
    });
}

#[test]
fn a_failure_at_any_create_or_delete_call_leaves_nothing_after_destroy() {
    // Record the AWS calls of a clean create and destroy, then fail each in turn.
    let h = Harness::start_with_proxy().unwrap();
    let cfg = config("senas-faults", "");
    let wd = h
        .workdir_with_provider("  max_retries = 1\n", &cfg)
        .unwrap();
    wd.init().unwrap();
    let report = fault_sweep::run(&h, &wd, Sweep::CreateAndDelete).unwrap();
    assert!(
        report.create_points.len() >= 8,
        "expected every create step, got {report:?}"
    );
    // DeleteBucket and DeleteTable at least.
    assert!(
        report.delete_points.len() >= 2,
        "expected every delete step, got {report:?}"
    );
}

/// A bucket of the resource's name made by someone else (no `blueprint:owner` tag) is refused by
/// name at create and left alone by the destroy of what the failed create made (the table);
/// a bucket left by an interrupted create of this resource (its owner tag) is adopted.
#[test]
fn a_foreign_bucket_of_the_same_name_is_refused_and_left_alone() {
    let h = Harness::start().unwrap();
    let s3 = h.probe().s3();
    let make = |tags: &[(&str, &str)]| {
        let tagging = aws_sdk_s3::types::Tagging::builder()
            .set_tag_set(Some(
                tags.iter()
                    .map(|(k, v)| {
                        aws_sdk_s3::types::Tag::builder()
                            .key(*k)
                            .value(*v)
                            .build()
                            .unwrap()
                    })
                    .collect(),
            ))
            .build()
            .unwrap();
        rt().block_on(async {
            s3.create_bucket()
                .bucket("senas-taken")
                .send()
                .await
                .unwrap();
            s3.put_bucket_tagging()
                .bucket("senas-taken")
                .tagging(tagging)
                .send()
                .await
                .unwrap();
        });
    };
    let tags_of = || {
        rt().block_on(async {
            let out = s3.get_bucket_tagging().bucket("senas-taken").send().await;
            out.ok().map(|o| {
                o.tag_set()
                    .iter()
                    .map(|t| format!("{}={}", t.key(), t.value()))
                    .collect::<Vec<_>>()
            })
        })
    };
    make(&[("team", "other")]);
    let wd = h.workdir(&config("senas-taken", "")).unwrap();
    wd.init().unwrap();
    let out = wd.try_apply().unwrap();
    assert_ne!(out.code, 0, "{out}");
    let text = out.all_output();
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("S3 bucket \"senas-taken\" exists but does not carry the tag blueprint:owner = \"blueprint_state_backend/senas-taken\""),
        "{text}"
    );
    assert!(flat.contains("terraform import"), "{text}");
    assert!(!flat.contains("invalid result object"), "{text}");
    wd.destroy().unwrap();
    // The table the failed create made is gone; the foreign bucket is as it was.
    assert_eq!(h.leftovers().unwrap(), Vec::<String>::new());
    assert_eq!(tags_of(), Some(vec!["team=other".to_string()]));

    // Left by an interrupted create of this resource: adopted, configured, deleted with it.
    rt().block_on(async {
        s3.delete_bucket()
            .bucket("senas-taken")
            .send()
            .await
            .unwrap();
    });
    make(&[("blueprint:owner", "blueprint_state_backend/senas-taken")]);
    wd.apply().unwrap();
    assert!(wd.plan_is_empty().unwrap(), "{}", wd.plan().unwrap());
    let tags = tags_of().unwrap_or_default();
    assert!(tags.contains(&"team=senas".to_string()), "{tags:?}");
    wd.destroy().unwrap();
    assert_eq!(tags_of(), None);
    assert_eq!(h.leftovers().unwrap(), Vec::<String>::new());
}
