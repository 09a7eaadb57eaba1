//! Blueprint composites seen as the plain resources their declaration's expansion builds: the
//! rules run on those, and every finding comes back on the composite's block and attribute.

use blueprint_lint::frontend::hcl::load_str;
use blueprint_lint::{check_model, path_to_string, Model, Profile};

fn findings(model: &Model) -> Vec<(String, String, String, usize)> {
    check_model(model, Profile::Dev)
        .into_iter()
        .map(|f| {
            (
                f.rule_id,
                f.address,
                path_to_string(&f.attribute_path),
                f.location.map_or(0, |l| l.line),
            )
        })
        .collect()
}

#[test]
fn an_open_host_is_reported_on_its_own_attribute_lines() {
    let model = load_str(
        "main.tf",
        r#"resource "blueprint_ml_host" "api" {
  name  = "api"
  image = "1.dkr.ecr.us-east-2.amazonaws.com/api:1"
  ssh_cidr_blocks = [
    "10.0.0.0/8",
    "0.0.0.0/0",
  ]
}
"#,
    );
    // The plain resources are in the model, under the composite's address.
    let sg = model
        .get("blueprint_ml_host.api/aws_security_group.security_group")
        .expect("the expansion's security group");
    assert_eq!(sg.resource_type, "aws_security_group");
    assert_eq!(
        sg.parent.as_ref().map(|p| p.address.as_str()),
        Some("blueprint_ml_host.api")
    );
    assert!(model
        .get("blueprint_ml_host.api/aws_instance.instance")
        .is_some());
    // The rule fired on `ingress[0].cidr_blocks[1]` of the group; the finding names the line of
    // the composite's element.
    assert_eq!(
        findings(&model),
        [(
            "sg-ssh-rdp-open".to_string(),
            "blueprint_ml_host.api".to_string(),
            "ssh_cidr_blocks[1]".to_string(),
            6
        )]
    );
}

#[test]
fn unknown_inputs_never_fire() {
    let model = load_str(
        "main.tf",
        r#"variable "admins" {
  type = list(string)
}
variable "token" {
  type = string
}
resource "blueprint_ml_host" "api" {
  name            = "api"
  image           = "1.dkr.ecr.us-east-2.amazonaws.com/api:1"
  ssh_cidr_blocks = var.admins
  app_cidr_blocks = ["0.0.0.0/0"]
  host_port       = var.port
  environment = {
    API_TOKEN = var.token
  }
}
"#,
    );
    assert_eq!(findings(&model), []);
}

/// What the expansion makes visible: the service's group admits a security group that is not
/// the load balancer's, which `ecs-ingress-only-from-alb` reports on the composite's
/// `alb_security_group_id` (the rule knows nothing of the composite).
#[test]
fn rules_across_resources_follow_the_expansion() {
    let model = load_str(
        "main.tf",
        r#"resource "aws_security_group" "alb" {
  name = "alb"
}
resource "aws_security_group" "bastion" {
  name = "bastion"
}
resource "aws_lb" "main" {
  security_groups = [aws_security_group.alb.id]
}
resource "blueprint_secure_service" "users" {
  name                  = "users"
  alb_security_group_id = aws_security_group.bastion.id
  container {
    image = "1.dkr.ecr.us-east-2.amazonaws.com/users:1"
    port  = 3000
  }
}
"#,
    );
    let got = check_model(&model, Profile::Dev);
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!(got[0].rule_id, "ecs-ingress-only-from-alb");
    assert_eq!(got[0].address, "blueprint_secure_service.users");
    assert_eq!(
        path_to_string(&got[0].attribute_path),
        "alb_security_group_id"
    );
    assert_eq!(got[0].location.as_ref().map(|l| l.line), Some(12));
    assert!(
        got[0].message.contains("aws_security_group.bastion"),
        "{}",
        got[0].message
    );
}

/// Every registered composite, written as its own documented example, is expanded in the
/// model into plain resources of its declared child kinds, with no per-composite code here.
#[test]
fn every_registered_composite_is_expanded_from_its_example() {
    for d in blueprint_declarations::composites::registry() {
        let model = load_str("main.tf", d.example);
        let composites: Vec<_> = model
            .resources
            .iter()
            .filter(|r| r.resource_type == d.type_name)
            .collect();
        assert!(
            !composites.is_empty(),
            "{}: example has no resource",
            d.type_name
        );
        let plains: Vec<_> = model
            .resources
            .iter()
            .filter(|r| r.parent.as_ref().map(|p| p.resource_type.as_str()) == Some(d.type_name))
            .collect();
        // Composites still being written may not expand yet; these three must.
        if [
            "blueprint_ml_host",
            "blueprint_secure_service",
            "blueprint_state_backend",
        ]
        .contains(&d.type_name)
        {
            assert!(!plains.is_empty(), "{}: nothing expanded", d.type_name);
        }
        for p in plains {
            assert!(
                d.builds(&p.resource_type),
                "{}: {} is no declared child kind",
                d.type_name,
                p.address
            );
            assert!(
                composites
                    .iter()
                    .any(|c| p.address.starts_with(&format!("{}/", c.address))),
                "{}",
                p.address
            );
        }
    }
}

/// A reference to a composite's output that comes from a child (a load balancer's
/// `security_group_id`) is followed to that plain resource, so a service admitting the
/// composite ALB's group is not reported.
#[test]
fn references_to_a_composites_outputs_reach_its_plain_resources() {
    let model = load_str(
        "main.tf",
        r#"resource "aws_security_group" "bastion" {
  name = "bastion"
}
resource "aws_lb" "other" {
  security_groups = [aws_security_group.bastion.id]
}
resource "blueprint_secure_service" "users" {
  name                  = "users"
  alb_security_group_id = blueprint_ml_host.api.security_group_id
  container {
    image = "1.dkr.ecr.us-east-2.amazonaws.com/users:1"
    port  = 3000
  }
}
resource "blueprint_ml_host" "api" {
  name  = "api"
  image = "1.dkr.ecr.us-east-2.amazonaws.com/api:1"
}
"#,
    );
    let r = blueprint_lint::Reference {
        address: "blueprint_ml_host.api".into(),
        attribute: vec!["security_group_id".into()],
    };
    assert_eq!(
        model.resolve(&r).map(|r| r.address.as_str()),
        Some("blueprint_ml_host.api/aws_security_group.security_group")
    );
    let other = blueprint_lint::Reference {
        address: "blueprint_ml_host.api".into(),
        attribute: vec!["user_data_sha256".into()],
    };
    assert_eq!(
        model.resolve(&other).map(|r| r.address.as_str()),
        Some("blueprint_ml_host.api")
    );
    // The service admits the host's own group, which is no ALB's: reported, naming it.
    let got = check_model(&model, Profile::Dev);
    assert_eq!(got.len(), 1, "{got:#?}");
    assert!(
        got[0]
            .message
            .contains("blueprint_ml_host.api/aws_security_group.security_group"),
        "{}",
        got[0].message
    );
}

/// What only the whole configuration shows: a database in the network's public subnets, and
/// a database admitting the load balancer's group, which the internet reaches (admitted as
/// the two halves of IPv4: the internet all the same).
#[test]
fn a_database_in_public_subnets_or_behind_an_open_group_is_reported() {
    let model = load_str(
        "main.tf",
        r#"resource "blueprint_network" "main" {
  name       = "senas"
  cidr_block = "10.0.0.0/16"
}
resource "blueprint_load_balancer" "web" {
  name                = "senas"
  vpc_id              = blueprint_network.main.vpc_id
  public_subnet_ids   = blueprint_network.main.public_subnet_ids
  domain_name         = "senas.example.org"
  ingress_cidr_blocks = ["0.0.0.0/1", "128.0.0.0/1"]
}
resource "blueprint_database" "db" {
  name                       = "senas-db"
  vpc_id                     = blueprint_network.main.vpc_id
  subnet_ids                 = blueprint_network.main.public_subnet_ids
  allowed_security_group_ids = [blueprint_load_balancer.web.security_group_id]
}
"#,
    );
    let got: Vec<(String, String, String)> = findings(&model)
        .into_iter()
        .map(|(r, a, p, _)| (r, a, p))
        .collect();
    assert!(
        got.contains(&(
            "rds-not-public".into(),
            "blueprint_database.db".into(),
            "subnet_ids".into()
        )),
        "{got:?}"
    );
    assert!(
        got.iter()
            .any(|(r, a, _)| r == "data-store-internet-reachable" && a == "blueprint_database.db"),
        "{got:?}"
    );
    // The database subnets are not public; a database admitting a service's group is not
    // reached.
    let model = load_str(
        "main.tf",
        r#"resource "blueprint_network" "main" {
  name       = "senas"
  cidr_block = "10.0.0.0/16"
}
resource "blueprint_database" "db" {
  name                       = "senas-db"
  vpc_id                     = blueprint_network.main.vpc_id
  subnet_ids                 = blueprint_network.main.database_subnet_ids
  allowed_security_group_ids = ["sg-0123abcd"]
}
"#,
    );
    let got = findings(&model);
    assert!(got.is_empty(), "{got:?}");
}

/// A host group's expansion is checked like the other composites: a database port made public
/// on a host is reported on the host's `public_ports`, and the hosts' derived rules (peers by
/// their groups) report nothing.
#[test]
fn a_host_groups_public_database_port_is_reported_on_its_host() {
    let model = load_str(
        "main.tf",
        r#"resource "blueprint_host_group" "video" {
  name   = "anb"
  vpc_id = "vpc-0123456789abcdef0"
  host {
    name        = "web"
    subnet_id   = "subnet-0123456789abcdef0"
    connects_to = [{ host = "files", service = "nfs" }]
  }
  host {
    name         = "files"
    subnet_id    = "subnet-0123456789abcdef0"
    serves       = [{ name = "nfs", port = 2049, protocol = "tcp" }]
    public_ports = [5432]
  }
}
"#,
    );
    let sg = model
        .get("blueprint_host_group.video/aws_security_group.sg_files")
        .expect("the files host's security group");
    assert_eq!(sg.resource_type, "aws_security_group");
    assert!(model
        .get("blueprint_host_group.video/aws_instance.instance_web")
        .is_some());
    let found = findings(&model);
    assert!(
        found
            .iter()
            .any(|(rule, address, path, _)| rule == "sg-db-port-open"
                && address == "blueprint_host_group.video"
                && path == "host[1].public_ports[0]"),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .all(|(_, _, path, _)| path.starts_with("host[1]")),
        "{found:?}"
    );
}
