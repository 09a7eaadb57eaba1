//! The "existing" platform seed 001's services plug into, made through the SDK: a VPC with two
//! private subnets, an ALB with its security group and an HTTPS listener, and an ECS cluster.

use anyhow::{anyhow, bail, Context, Result};
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, Certificate, FixedResponseActionConfig, ProtocolEnum,
};

use crate::aws::AwsProbe;

/// The ids of the shared platform.
#[derive(Debug, Clone)]
pub struct Platform {
    /// The VPC.
    pub vpc: String,
    /// Two subnets in different availability zones.
    pub subnets: Vec<String>,
    /// The ALB's security group.
    pub alb_sg: String,
    /// The ALB's HTTPS listener.
    pub listener: String,
    /// The ECS cluster's name.
    pub cluster: String,
}

/// Name of the cluster [`make`] creates.
pub const CLUSTER: &str = "senas";

/// An ACM certificate for the ALB's HTTPS listener (moto checks that a listener's certificate
/// exists in ACM). The harness has no ACM SDK client, so this is the one JSON call by hand.
pub fn request_certificate(endpoint: &str) -> Result<String> {
    use std::io::{Read, Write};
    let addr = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let body = r#"{"DomainName":"senas.example.org"}"#;
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-amz-json-1.1\r\n\
         X-Amz-Target: CertificateManager.RequestCertificate\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/acm/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream =
        std::net::TcpStream::connect(addr).with_context(|| format!("connecting to {addr}"))?;
    stream.write_all(request.as_bytes())?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let Some(start) = response.find("\r\n\r\n") else {
        bail!("RequestCertificate: no HTTP body in {response:?}");
    };
    let v: serde_json::Value = serde_json::from_str(response[start + 4..].trim())
        .with_context(|| format!("RequestCertificate answered {response:?}"))?;
    v["CertificateArn"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("RequestCertificate answered without an ARN: {response}"))
}

/// Make the platform in the probe's account (a fresh moto).
pub async fn make(probe: &AwsProbe) -> Result<Platform> {
    let ec2 = probe.ec2();
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.20.0.0/16")
        .send()
        .await
        .context("CreateVpc")?
        .vpc()
        .and_then(|v| v.vpc_id())
        .ok_or_else(|| anyhow!("CreateVpc returned no id"))?
        .to_string();
    let mut subnets = Vec::new();
    for (cidr, az) in [
        ("10.20.1.0/24", "us-east-1a"),
        ("10.20.2.0/24", "us-east-1b"),
    ] {
        let s = ec2
            .create_subnet()
            .vpc_id(&vpc)
            .cidr_block(cidr)
            .availability_zone(az)
            .send()
            .await
            .context("CreateSubnet")?;
        subnets.push(
            s.subnet()
                .and_then(|s| s.subnet_id())
                .ok_or_else(|| anyhow!("CreateSubnet returned no id"))?
                .to_string(),
        );
    }
    let alb_sg = ec2
        .create_security_group()
        .group_name("senas-alb")
        .description("the shared ALB")
        .vpc_id(&vpc)
        .send()
        .await
        .context("CreateSecurityGroup")?
        .group_id()
        .ok_or_else(|| anyhow!("CreateSecurityGroup returned no id"))?
        .to_string();
    let elb = probe.elbv2();
    let lb = elb
        .create_load_balancer()
        .name("senas-alb")
        .set_subnets(Some(subnets.clone()))
        .security_groups(&alb_sg)
        .send()
        .await
        .context("CreateLoadBalancer")?
        .load_balancers()
        .first()
        .and_then(|l| l.load_balancer_arn())
        .ok_or_else(|| anyhow!("CreateLoadBalancer returned no ARN"))?
        .to_string();
    let listener = elb
        .create_listener()
        .load_balancer_arn(&lb)
        .protocol(ProtocolEnum::Https)
        .port(443)
        .ssl_policy("ELBSecurityPolicy-TLS13-1-2-2021-06")
        .certificates(
            Certificate::builder()
                .certificate_arn(request_certificate(probe.endpoint())?)
                .build(),
        )
        .default_actions(
            Action::builder()
                .r#type(ActionTypeEnum::FixedResponse)
                .fixed_response_config(
                    FixedResponseActionConfig::builder()
                        .status_code("404")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .context("CreateListener")?
        .listeners()
        .first()
        .and_then(|l| l.listener_arn())
        .ok_or_else(|| anyhow!("CreateListener returned no ARN"))?
        .to_string();
    probe
        .ecs()
        .create_cluster()
        .cluster_name(CLUSTER)
        .send()
        .await
        .context("CreateCluster")?;
    Ok(Platform {
        vpc,
        subnets,
        alb_sg,
        listener,
        cluster: CLUSTER.to_string(),
    })
}

/// [`make`] from synchronous code (the tests drive the CLI synchronously).
pub fn make_blocking(probe: &AwsProbe) -> Result<Platform> {
    tokio::runtime::Runtime::new()?.block_on(make(probe))
}
