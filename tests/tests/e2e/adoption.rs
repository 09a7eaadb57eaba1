//! A create interrupted before anything reached the state (the plugin killed, the machine
//! lost) leaves children in AWS under the resource's names. The next apply adopts the ones
//! carrying this resource's `blueprint:owner` tag instead of failing with "already exists" or
//! an invalid result object, and refuses, by name, one that is not its own.

use blueprint_e2e::Harness;

const IMAGE: &str = "750477224025.dkr.ecr.us-east-2.amazonaws.com/ml-santiago-api:latest";
const PUBLIC_KEY: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCgZ3mCzt7RfOSGbNVBh2f501SCPPqB/ETXFYOMK7aeruEdCGfgXRwltAxK5AVBm1lMJVqMeFtyReITEsDMDoysj/6yYvogUVAVav4SrwCj5VKskPRXv/U4Lmue5lk64g2BXk28f2C04FCh6Jxo03Nk/ZiaLu4rmgsW2QsSrHUFaWiQYFgvZhZKJ+dBo8CQFF94eWYMiGzEJXCVMV2LuMNUibvle9anVLa0kELFj3J3E1tHUN95+ZgBZYNi3THnGiIeNxmkgg9La3q0A7lvPfMm4M0u9wUjtUW2XaQ3foJqVGQaAs5QUKfR7CPmgFuQhSA0lkCVX9FcR+PTb4pbzMs5 blueprint-test";

fn host(name: &str) -> String {
    format!(
        r#"
resource "blueprint_ml_host" "api" {{
  name            = "{name}"
  image           = "{IMAGE}"
  app_cidr_blocks = ["10.0.0.0/8"]
  ssh_public_key  = "{PUBLIC_KEY}"
}}
"#
    )
}

#[test]
fn children_left_by_a_lost_create_are_adopted_and_nothing_leaks() {
    let h = Harness::start().unwrap();
    let wd = h.workdir(&host("adopt-me")).unwrap();
    wd.init().unwrap();
    wd.apply().unwrap();
    let first = wd.state_resources().unwrap();
    let instance = first[0].1["instance_id"].as_str().unwrap().to_string();
    let sg = first[0].1["security_group_id"]
        .as_str()
        .unwrap()
        .to_string();
    // What a killed plugin leaves: every child in AWS, nothing in the state.
    let rm = wd.run(&["state", "rm", "blueprint_ml_host.api"]).unwrap();
    assert_eq!(rm.code, 0, "{rm}");
    let again = wd.apply().unwrap();
    assert_eq!(again.code, 0, "{again}");
    let second = wd.state_resources().unwrap();
    let v = &second[0].1;
    assert_eq!(
        v["instance_id"],
        instance.as_str(),
        "the instance is adopted, not launched again"
    );
    assert_eq!(v["security_group_id"], sg.as_str());
    assert_eq!(
        v["ingress_rules"],
        serde_json::json!(["tcp 8000-8000 10.0.0.0/8"])
    );
    assert!(wd.plan_is_empty().unwrap(), "{}", wd.plan().unwrap());
    wd.destroy().unwrap();
    assert_eq!(h.leftovers().unwrap(), Vec::<String>::new());
}

#[test]
fn a_child_that_is_not_its_own_is_refused_by_name() {
    let h = Harness::start().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    // A role with the resource's role name, made by someone else (no owner tag).
    rt.block_on(async {
        h.probe()
            .iam()
            .create_role()
            .role_name("taken-role")
            .assume_role_policy_document(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
            )
            .send()
            .await
            .unwrap();
    });
    let wd = h.workdir(&host("taken")).unwrap();
    wd.init().unwrap();
    let out = wd.try_apply().unwrap();
    assert_ne!(out.code, 0, "{out}");
    let text = out.all_output();
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("IAM role \"taken-role\" exists but does not carry the tag blueprint:owner = \"blueprint_ml_host/taken\""),
        "{text}"
    );
    assert!(!flat.contains("invalid result object"), "{text}");
    let destroy = wd.destroy().unwrap();
    assert_eq!(destroy.code, 0, "{destroy}");
    assert_eq!(h.leftovers().unwrap(), Vec::<String>::new());
    // Only the role that was never ours is left.
    rt.block_on(async {
        let roles = h.probe().iam().list_roles().send().await.unwrap();
        let names: Vec<&str> = roles.roles().iter().map(|r| r.role_name()).collect();
        assert!(names.contains(&"taken-role"), "{names:?}");
    });
}
