//! `blueprint_data_stores` under faults: each distinct mutating AWS call of a create and of a
//! destroy fails in turn (a 500, a throttle, a dropped connection); the operation fails, a
//! failed destroy keeps the resource in state, and a destroy afterwards leaves nothing.

use blueprint_e2e::fault_sweep::{self, Sweep};
use blueprint_e2e::Harness;

const CONFIG: &str = r#"
resource "blueprint_data_stores" "this" {
  name          = "sweep-ds"
  force_destroy = true
  table {
    key = "t"
  }
  bucket {
    key = "b"
  }
  queue {
    key = "q"
  }
  topic {
    key = "n"
  }
}
"#;

#[test]
fn a_failure_at_any_create_or_delete_call_leaves_nothing_after_destroy() {
    let h = Harness::start_with_proxy().unwrap();
    let wd = h
        .workdir_with_provider("  max_retries = 1\n", CONFIG)
        .unwrap();
    wd.init().unwrap();
    let report = fault_sweep::run(&h, &wd, Sweep::CreateAndDelete).unwrap();
    for want in ["CreateTable", "CreateBucket", "CreateQueue", "CreateTopic"] {
        assert!(
            report.create_points.iter().any(|a| a == want),
            "{want} not swept: {report:?}"
        );
    }
    for want in ["DeleteTable", "DeleteBucket", "DeleteQueue", "DeleteTopic"] {
        assert!(
            report.delete_points.iter().any(|a| a == want),
            "{want} not swept: {report:?}"
        );
    }
}
