//! A composite's children seen one by one, by their plain Terraform type (`kind`) and id:
//! delete one out of band, ask whether it exists, read its tags.
//!
//! Ids are the ones terraform-provider-aws uses for the kind: a security group, instance, key
//! pair name, allocation id, bucket, table or log group name; a role or profile name (a role ARN
//! is accepted too); the ARN of a target group, listener rule, task definition or ECS service
//! (`CLUSTER/SERVICE` too); `NAMESPACE/RESOURCE_ID/DIMENSION` for a scalable target and
//! `NAMESPACE/RESOURCE_ID/DIMENSION/POLICY` for a scaling policy.

use std::collections::BTreeMap;

use anyhow::{anyhow, bail, Context, Result};
use aws_sdk_ec2::error::ProvideErrorMetadata;

use super::AwsProbe;
use blueprint_provider::kinds::s3_bucket::{self, S3Bucket};
use blueprint_provider::kinds::Kind;

/// Tags of one AWS object, by key.
pub type Tags = BTreeMap<String, String>;

/// `Ok(None)` when `r` failed with one of the `missing` error codes, the value when it worked,
/// the error otherwise.
fn found<T, E>(r: Result<T, E>, missing: &[&str]) -> Result<Option<T>>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.code().is_some_and(|c| missing.contains(&c)) => Ok(None),
        Err(e) => {
            let code = e.code().unwrap_or("no code").to_string();
            let message = e.message().unwrap_or_default().to_string();
            Err(anyhow::Error::new(e).context(format!("{code}: {message}")))
        }
    }
}

/// `Ok(())` also when the object is already gone.
fn done<T, E>(r: Result<T, E>, missing: &[&str]) -> Result<()>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    found(r, missing).map(|_| ())
}

fn role_name(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}

/// `(cluster, service)` from a service ARN or `CLUSTER/SERVICE`.
fn ecs_service(id: &str) -> Result<(String, String)> {
    let path = match id.split_once(":service/") {
        Some((_, p)) => p,
        None => id,
    };
    match path.split_once('/') {
        Some((c, s)) if !c.is_empty() && !s.is_empty() && !s.contains('/') => {
            Ok((c.to_string(), s.to_string()))
        }
        _ => bail!("{id:?} is neither an ECS service ARN nor CLUSTER/SERVICE"),
    }
}

/// `(function, statement id)` of a Lambda permission's `FUNCTION/STATEMENT_ID`.
fn lambda_permission(id: &str) -> Result<(&str, &str)> {
    id.split_once('/')
        .filter(|(f, s)| !f.is_empty() && !s.is_empty())
        .ok_or_else(|| anyhow!("{id:?} is not FUNCTION/STATEMENT_ID"))
}

impl AwsProbe {
    fn lambda(&self) -> aws_sdk_lambda::Client {
        aws_sdk_lambda::Client::new(&self.config)
    }

    pub(super) fn sqs(&self) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::new(&self.config)
    }

    pub(super) fn sns(&self) -> aws_sdk_sns::Client {
        aws_sdk_sns::Client::new(&self.config)
    }

    /// The ARN of topic `id` (an ARN already, or a name), `None` when there is none.
    async fn topic_arn(&self, id: &str) -> Result<Option<String>> {
        if id.starts_with("arn:") {
            return Ok(Some(id.to_string()));
        }
        let mut token = None;
        loop {
            let out = self
                .sns()
                .list_topics()
                .set_next_token(token)
                .send()
                .await?;
            if let Some(arn) = out
                .topics()
                .iter()
                .filter_map(|t| t.topic_arn())
                .find(|a| a.rsplit(':').next() == Some(id))
            {
                return Ok(Some(arn.to_string()));
            }
            token = out.next_token().map(str::to_string);
            if token.is_none() {
                return Ok(None);
            }
        }
    }

    /// The URL of queue `id` (a URL already, or a name).
    async fn queue_url(&self, id: &str) -> Result<String> {
        if id.starts_with("http") {
            return Ok(id.to_string());
        }
        let out = self.sqs().get_queue_url().queue_name(id).send().await?;
        Ok(out.queue_url().unwrap_or_default().to_string())
    }
}

/// `(namespace, resource id, dimension)` of `NAMESPACE/RESOURCE_ID/DIMENSION`.
fn scalable_target(id: &str) -> Result<(String, String, String)> {
    let bad = || anyhow!("{id:?} is not NAMESPACE/RESOURCE_ID/DIMENSION");
    let (ns, rest) = id.split_once('/').ok_or_else(bad)?;
    let (resource, dimension) = rest.rsplit_once('/').ok_or_else(bad)?;
    Ok((ns.to_string(), resource.to_string(), dimension.to_string()))
}

fn tag_pairs<'a>(pairs: impl IntoIterator<Item = (Option<&'a str>, Option<&'a str>)>) -> Tags {
    pairs
        .into_iter()
        .map(|(k, v)| {
            (
                k.unwrap_or_default().to_string(),
                v.unwrap_or_default().to_string(),
            )
        })
        .collect()
}

const EC2_SG_MISSING: &[&str] = &["InvalidGroup.NotFound", "InvalidGroupId.Malformed"];
const EC2_KEY_MISSING: &[&str] = &["InvalidKeyPair.NotFound"];
const EC2_INSTANCE_MISSING: &[&str] = &["InvalidInstanceID.NotFound"];
const EC2_EIP_MISSING: &[&str] = &["InvalidAllocationID.NotFound", "InvalidAddress.NotFound"];
const IAM_MISSING: &[&str] = &["NoSuchEntity"];
const S3_MISSING: &[&str] = &[s3_bucket::code::NO_SUCH_BUCKET, "NotFound"];
const DDB_MISSING: &[&str] = &["ResourceNotFoundException"];
const LOGS_MISSING: &[&str] = &["ResourceNotFoundException"];
const LAMBDA_MISSING: &[&str] = &["ResourceNotFoundException"];
const SQS_MISSING: &[&str] = &[
    "AWS.SimpleQueueService.NonExistentQueue",
    "QueueDoesNotExist",
];
const SNS_MISSING: &[&str] = &["NotFound", "ResourceNotFound"];
const ELB_TG_MISSING: &[&str] = &["TargetGroupNotFound"];
const ELB_RULE_MISSING: &[&str] = &["RuleNotFound"];
const ELB_LB_MISSING: &[&str] = &["LoadBalancerNotFound"];
const ELB_LISTENER_MISSING: &[&str] = &["ListenerNotFound", "LoadBalancerNotFound"];
const ACM_MISSING: &[&str] = &["ResourceNotFoundException"];
const ECS_MISSING: &[&str] = &[
    "ServiceNotFoundException",
    "ClientException",
    "ClusterNotFoundException",
];
const AAS_MISSING: &[&str] = &["ObjectNotFoundException"];

impl AwsProbe {
    /// Delete the child `id` of type `kind` out of band, as someone with the console would,
    /// doing first what AWS requires before the deletion (emptying a bucket of every version,
    /// removing a role from its profiles and its policies, disassociating an address, deleting
    /// the listener rules that forward to a target group). Waits until an instance is
    /// terminated. An object already gone is an error: the test expected it to exist.
    pub async fn delete_child(&self, kind: &str, id: &str) -> Result<()> {
        if !self.child_exists(kind, id).await? {
            bail!("{kind} {id} does not exist: nothing to delete");
        }
        self.delete_existing(kind, id)
            .await
            .with_context(|| format!("deleting {kind} {id} out of band"))
    }

    async fn delete_existing(&self, kind: &str, id: &str) -> Result<()> {
        match kind {
            // A row of children made once per zone (`blueprint_network`'s subnets, NAT
            // gateways...), ids joined by `,`: one member deleted, as when a zone's subnet is lost.
            _ if id.contains(',') => {
                let first = id.split(',').next().unwrap_or_default();
                Box::pin(self.delete_existing(kind, first)).await
            }
            "aws_security_group" => {
                self.revoke_rules_naming(id).await?;
                let r = self.ec2().delete_security_group().group_id(id).send().await;
                done(r, EC2_SG_MISSING)
            }
            "aws_key_pair" => {
                let r = self.ec2().delete_key_pair().key_name(id).send().await;
                done(r, EC2_KEY_MISSING)
            }
            "aws_instance" => self.terminate(id).await,
            "aws_eip" => {
                let ec2 = self.ec2();
                let out = ec2.describe_addresses().allocation_ids(id).send().await?;
                for a in out.addresses() {
                    if let Some(assoc) = a.association_id() {
                        ec2.disassociate_address()
                            .association_id(assoc)
                            .send()
                            .await?;
                    }
                }
                let r = ec2.release_address().allocation_id(id).send().await;
                done(r, EC2_EIP_MISSING)
            }
            "aws_iam_role" => self.delete_role(role_name(id)).await,
            "aws_iam_instance_profile" => {
                let iam = self.iam();
                let p = iam.get_instance_profile().instance_profile_name(id).send();
                if let Some(p) = found(p.await, IAM_MISSING)? {
                    for role in p.instance_profile().map(|p| p.roles()).unwrap_or_default() {
                        iam.remove_role_from_instance_profile()
                            .instance_profile_name(id)
                            .role_name(role.role_name())
                            .send()
                            .await?;
                    }
                }
                let r = iam
                    .delete_instance_profile()
                    .instance_profile_name(id)
                    .send()
                    .await;
                done(r, IAM_MISSING)
            }
            "aws_s3_bucket" => self.delete_bucket(id).await,
            "aws_dynamodb_table" => {
                let r = self.dynamodb().delete_table().table_name(id).send().await;
                done(r, DDB_MISSING)
            }
            "aws_cloudwatch_log_group" => {
                let r = self
                    .logs()
                    .delete_log_group()
                    .log_group_name(id)
                    .send()
                    .await;
                done(r, LOGS_MISSING)
            }
            "aws_lambda_function" => {
                let r = self
                    .lambda()
                    .delete_function()
                    .function_name(id)
                    .send()
                    .await;
                done(r, LAMBDA_MISSING)
            }
            "aws_lambda_permission" => {
                let (function, sid) = lambda_permission(id)?;
                let r = self
                    .lambda()
                    .remove_permission()
                    .function_name(function)
                    .statement_id(sid)
                    .send()
                    .await;
                done(r, LAMBDA_MISSING)
            }
            "aws_sqs_queue" => {
                let url = self.queue_url(id).await?;
                let r = self.sqs().delete_queue().queue_url(url).send().await;
                done(r, SQS_MISSING)
            }
            "aws_sns_topic" => match self.topic_arn(id).await? {
                Some(arn) => {
                    let r = self.sns().delete_topic().topic_arn(arn).send().await;
                    done(r, SNS_MISSING)
                }
                None => Ok(()),
            },
            "aws_s3_bucket_notification" => {
                let r = self
                    .s3()
                    .put_bucket_notification_configuration()
                    .bucket(id)
                    .notification_configuration(
                        aws_sdk_s3::types::NotificationConfiguration::builder().build(),
                    )
                    .send()
                    .await;
                done(r, S3_MISSING)
            }
            "aws_lb_target_group" => self.delete_target_group(id).await,
            "aws_lb_listener_rule" => {
                let r = self.elbv2().delete_rule().rule_arn(id).send().await;
                done(r, ELB_RULE_MISSING)
            }
            "aws_ecs_task_definition" => {
                let ecs = self.ecs();
                ecs.deregister_task_definition()
                    .task_definition(id)
                    .send()
                    .await?;
                ecs.delete_task_definitions()
                    .task_definitions(id)
                    .send()
                    .await?;
                Ok(())
            }
            "aws_ecs_cluster" => {
                let r = self.ecs().delete_cluster().cluster(id).send().await;
                done(r, ECS_MISSING)
            }
            "aws_ecs_service" => {
                let (cluster, service) = ecs_service(id)?;
                let r = self
                    .ecs()
                    .delete_service()
                    .cluster(cluster)
                    .service(service)
                    .force(true)
                    .send()
                    .await;
                done(r, ECS_MISSING)
            }
            "aws_appautoscaling_target" => {
                let (ns, resource, dimension) = scalable_target(id)?;
                let r = self
                    .autoscaling()
                    .deregister_scalable_target()
                    .service_namespace(ns.as_str().into())
                    .resource_id(resource)
                    .scalable_dimension(dimension.as_str().into())
                    .send()
                    .await;
                done(r, AAS_MISSING)
            }
            "aws_appautoscaling_policy" => {
                let (target, policy) = id
                    .rsplit_once('/')
                    .ok_or_else(|| anyhow!("{id:?} is not TARGET_ID/POLICY"))?;
                let (ns, resource, dimension) = scalable_target(target)?;
                let r = self
                    .autoscaling()
                    .delete_scaling_policy()
                    .policy_name(policy)
                    .service_namespace(ns.as_str().into())
                    .resource_id(resource)
                    .scalable_dimension(dimension.as_str().into())
                    .send()
                    .await;
                done(r, AAS_MISSING)
            }
            "aws_db_subnet_group"
            | "aws_rds_cluster"
            | "aws_rds_cluster_instance"
            | "aws_db_instance" => self.delete_rds(kind, id).await,
            "aws_vpc" => {
                // As the console does: what is in the VPC first.
                let ec2 = self.ec2();
                let in_vpc = |name: &str| {
                    aws_sdk_ec2::types::Filter::builder()
                        .name(name)
                        .values(id)
                        .build()
                };
                let flows = ec2
                    .describe_flow_logs()
                    .filter(in_vpc("resource-id"))
                    .send()
                    .await?;
                let fl: Vec<String> = flows
                    .flow_logs()
                    .iter()
                    .filter_map(|f| f.flow_log_id().map(str::to_string))
                    .collect();
                if !fl.is_empty() {
                    ec2.delete_flow_logs()
                        .set_flow_log_ids(Some(fl))
                        .send()
                        .await?;
                }
                let eps = ec2
                    .describe_vpc_endpoints()
                    .filters(in_vpc("vpc-id"))
                    .send()
                    .await?;
                let ep: Vec<String> = eps
                    .vpc_endpoints()
                    .iter()
                    .filter_map(|e| e.vpc_endpoint_id().map(str::to_string))
                    .collect();
                if !ep.is_empty() {
                    ec2.delete_vpc_endpoints()
                        .set_vpc_endpoint_ids(Some(ep))
                        .send()
                        .await?;
                }
                let nats = ec2
                    .describe_nat_gateways()
                    .filter(in_vpc("vpc-id"))
                    .send()
                    .await?;
                for n in nats.nat_gateways() {
                    let live = matches!(
                        n.state(),
                        Some(aws_sdk_ec2::types::NatGatewayState::Available)
                            | Some(aws_sdk_ec2::types::NatGatewayState::Pending)
                    );
                    if let (true, Some(nid)) = (live, n.nat_gateway_id()) {
                        ec2.delete_nat_gateway().nat_gateway_id(nid).send().await?;
                    }
                }
                let tables = ec2
                    .describe_route_tables()
                    .filters(in_vpc("vpc-id"))
                    .send()
                    .await?;
                for t in tables.route_tables() {
                    let main = t.associations().iter().any(|a| a.main() == Some(true));
                    for a in t.associations().iter().filter(|a| a.main() != Some(true)) {
                        if let Some(aid) = a.route_table_association_id() {
                            ec2.disassociate_route_table()
                                .association_id(aid)
                                .send()
                                .await?;
                        }
                    }
                    if let (false, Some(tid)) = (main, t.route_table_id()) {
                        ec2.delete_route_table().route_table_id(tid).send().await?;
                    }
                }
                let subnets = ec2
                    .describe_subnets()
                    .filters(in_vpc("vpc-id"))
                    .send()
                    .await?;
                for x in subnets.subnets() {
                    if let Some(sid) = x.subnet_id() {
                        ec2.delete_subnet().subnet_id(sid).send().await?;
                    }
                }
                let igws = ec2
                    .describe_internet_gateways()
                    .filters(in_vpc("attachment.vpc-id"))
                    .send()
                    .await?;
                for g in igws.internet_gateways() {
                    if let Some(gid) = g.internet_gateway_id() {
                        ec2.detach_internet_gateway()
                            .internet_gateway_id(gid)
                            .vpc_id(id)
                            .send()
                            .await?;
                        ec2.delete_internet_gateway()
                            .internet_gateway_id(gid)
                            .send()
                            .await?;
                    }
                }
                let r = ec2.delete_vpc().vpc_id(id).send().await;
                done(r, &["InvalidVpcID.NotFound"])
            }
            "aws_subnet" => {
                let r = self.ec2().delete_subnet().subnet_id(id).send().await;
                done(r, &["InvalidSubnetID.NotFound"])
            }
            "aws_internet_gateway" => {
                let ec2 = self.ec2();
                let o = ec2
                    .describe_internet_gateways()
                    .internet_gateway_ids(id)
                    .send()
                    .await?;
                for g in o.internet_gateways() {
                    for a in g.attachments() {
                        if let Some(vpc) = a.vpc_id() {
                            ec2.detach_internet_gateway()
                                .internet_gateway_id(id)
                                .vpc_id(vpc)
                                .send()
                                .await?;
                        }
                    }
                }
                let r = ec2.delete_internet_gateway().internet_gateway_id(id).send();
                done(r.await, &["InvalidInternetGatewayID.NotFound"])
            }
            "aws_nat_gateway" => {
                self.ec2()
                    .delete_nat_gateway()
                    .nat_gateway_id(id)
                    .send()
                    .await?;
                Ok(())
            }
            "aws_route_table" => {
                let ec2 = self.ec2();
                let o = ec2
                    .describe_route_tables()
                    .route_table_ids(id)
                    .send()
                    .await?;
                for a in o.route_tables().iter().flat_map(|t| t.associations()) {
                    if let Some(aid) = a.route_table_association_id() {
                        ec2.disassociate_route_table()
                            .association_id(aid)
                            .send()
                            .await?;
                    }
                }
                let r = ec2.delete_route_table().route_table_id(id).send().await;
                done(r, &["InvalidRouteTableID.NotFound"])
            }
            "aws_route_table_association" => {
                let r = self
                    .ec2()
                    .disassociate_route_table()
                    .association_id(id)
                    .send()
                    .await;
                done(r, &["InvalidAssociationID.NotFound"])
            }
            "aws_vpc_endpoint" => {
                self.ec2()
                    .delete_vpc_endpoints()
                    .vpc_endpoint_ids(id)
                    .send()
                    .await?;
                Ok(())
            }
            "aws_flow_log" => {
                let r = self.ec2().delete_flow_logs().flow_log_ids(id).send().await;
                done(r, &["InvalidFlowLogId.NotFound"])
            }
            "aws_lb" => {
                let r = self
                    .elbv2()
                    .delete_load_balancer()
                    .load_balancer_arn(id)
                    .send()
                    .await;
                done(r, ELB_LB_MISSING)
            }
            "aws_lb_listener" => {
                let r = self.elbv2().delete_listener().listener_arn(id).send().await;
                done(r, ELB_LISTENER_MISSING)
            }
            "aws_acm_certificate" => {
                let r = self
                    .acm()
                    .delete_certificate()
                    .certificate_arn(id)
                    .send()
                    .await;
                done(r, ACM_MISSING)
            }
            other => {
                bail!("the probe cannot delete a {other} (add it to tests/src/aws/children.rs)")
            }
        }
    }

    /// Revoke every rule of another security group that names group `id` as its source or
    /// destination. AWS refuses to delete a group another group's rule names
    /// (`DependencyViolation`), so whoever deletes one out of band has removed those rules
    /// first; moto 5.1.20 deletes it anyway and then keeps the dangling rules, which no one can
    /// revoke. Doing what AWS makes a user do keeps the test on what AWS allows.
    async fn revoke_rules_naming(&self, id: &str) -> Result<()> {
        use aws_sdk_ec2::types::IpPermission;
        let ec2 = self.ec2();
        let out = ec2.describe_security_groups().send().await?;
        // The permission `p` narrowed to its pairs naming `id`; `None` when none does.
        let naming = |p: &IpPermission| -> Option<IpPermission> {
            let pairs: Vec<_> = p
                .user_id_group_pairs()
                .iter()
                .filter(|pair| pair.group_id() == Some(id))
                .cloned()
                .collect();
            if pairs.is_empty() {
                return None;
            }
            Some(
                IpPermission::builder()
                    .set_ip_protocol(p.ip_protocol().map(str::to_string))
                    .set_from_port(p.from_port())
                    .set_to_port(p.to_port())
                    .set_user_id_group_pairs(Some(pairs))
                    .build(),
            )
        };
        for g in out.security_groups() {
            let Some(gid) = g.group_id() else { continue };
            if gid == id {
                continue;
            }
            let ingress: Vec<IpPermission> = g.ip_permissions().iter().filter_map(naming).collect();
            if !ingress.is_empty() {
                ec2.revoke_security_group_ingress()
                    .group_id(gid)
                    .set_ip_permissions(Some(ingress))
                    .send()
                    .await
                    .with_context(|| format!("revoking {gid}'s ingress from {id}"))?;
            }
            let egress: Vec<IpPermission> = g
                .ip_permissions_egress()
                .iter()
                .filter_map(naming)
                .collect();
            if !egress.is_empty() {
                ec2.revoke_security_group_egress()
                    .group_id(gid)
                    .set_ip_permissions(Some(egress))
                    .send()
                    .await
                    .with_context(|| format!("revoking {gid}'s egress to {id}"))?;
            }
        }
        Ok(())
    }

    async fn terminate(&self, id: &str) -> Result<()> {
        let ec2 = self.ec2();
        ec2.terminate_instances().instance_ids(id).send().await?;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        while self.child_exists("aws_instance", id).await? {
            if std::time::Instant::now() > deadline {
                bail!("instance {id} not terminated after 120 s");
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
        Ok(())
    }

    async fn delete_role(&self, name: &str) -> Result<()> {
        let iam = self.iam();
        let profiles = iam
            .list_instance_profiles_for_role()
            .role_name(name)
            .send()
            .await?;
        for p in profiles.instance_profiles() {
            iam.remove_role_from_instance_profile()
                .instance_profile_name(p.instance_profile_name())
                .role_name(name)
                .send()
                .await?;
        }
        let attached = iam
            .list_attached_role_policies()
            .role_name(name)
            .send()
            .await?;
        for p in attached.attached_policies() {
            if let Some(arn) = p.policy_arn() {
                iam.detach_role_policy()
                    .role_name(name)
                    .policy_arn(arn)
                    .send()
                    .await?;
            }
        }
        let inline = iam.list_role_policies().role_name(name).send().await?;
        for p in inline.policy_names() {
            iam.delete_role_policy()
                .role_name(name)
                .policy_name(p)
                .send()
                .await?;
        }
        done(iam.delete_role().role_name(name).send().await, IAM_MISSING)
    }

    /// Delete a bucket as the provider does, through its S3 bucket kind (every version
    /// emptied in batches first).
    async fn delete_bucket(&self, bucket: &str) -> Result<()> {
        let ctx = self.provider_ctx().await?;
        S3Bucket::new(true)
            .delete(&ctx, &bucket.to_string())
            .await
            .map_err(|e| anyhow!("{e}"))
    }

    async fn delete_target_group(&self, arn: &str) -> Result<()> {
        let elb = self.elbv2();
        for lb in elb.describe_load_balancers().send().await?.load_balancers() {
            let Some(lb) = lb.load_balancer_arn() else {
                continue;
            };
            let listeners = elb
                .describe_listeners()
                .load_balancer_arn(lb)
                .send()
                .await?;
            for l in listeners.listeners() {
                let Some(l) = l.listener_arn() else { continue };
                for r in elb.describe_rules().listener_arn(l).send().await?.rules() {
                    let forwards = r.actions().iter().any(|a| {
                        a.target_group_arn() == Some(arn)
                            || a.forward_config().is_some_and(|f| {
                                f.target_groups()
                                    .iter()
                                    .any(|t| t.target_group_arn() == Some(arn))
                            })
                    });
                    if forwards && !r.is_default().unwrap_or(false) {
                        if let Some(rule) = r.rule_arn() {
                            elb.delete_rule().rule_arn(rule).send().await?;
                        }
                    }
                }
            }
        }
        done(
            elb.delete_target_group().target_group_arn(arn).send().await,
            ELB_TG_MISSING,
        )
    }

    /// Whether the child `id` of type `kind` exists (an instance that is terminated or shutting
    /// down, an inactive ECS service or task definition count as gone).
    pub async fn child_exists(&self, kind: &str, id: &str) -> Result<bool> {
        Ok(match kind {
            // A per-zone row (ids joined by `,`): it exists when every member does.
            _ if id.contains(',') => {
                for member in id.split(',') {
                    if !Box::pin(self.child_exists(kind, member)).await? {
                        return Ok(false);
                    }
                }
                true
            }
            "aws_security_group" => {
                let r = self.ec2().describe_security_groups().group_ids(id).send();
                found(r.await, EC2_SG_MISSING)?.is_some_and(|o| !o.security_groups().is_empty())
            }
            "aws_key_pair" => {
                let r = self.ec2().describe_key_pairs().key_names(id).send();
                found(r.await, EC2_KEY_MISSING)?.is_some_and(|o| !o.key_pairs().is_empty())
            }
            "aws_instance" => {
                let r = self.ec2().describe_instances().instance_ids(id).send();
                found(r.await, EC2_INSTANCE_MISSING)?.is_some_and(|o| {
                    o.reservations()
                        .iter()
                        .flat_map(|r| r.instances())
                        .any(|i| {
                            !matches!(
                                i.state().and_then(|s| s.name()).map(|n| n.as_str()),
                                Some("terminated") | Some("shutting-down")
                            )
                        })
                })
            }
            "aws_eip" => {
                let r = self.ec2().describe_addresses().allocation_ids(id).send();
                found(r.await, EC2_EIP_MISSING)?.is_some_and(|o| !o.addresses().is_empty())
            }
            "aws_iam_role" => {
                let r = self.iam().get_role().role_name(role_name(id)).send();
                found(r.await, IAM_MISSING)?.is_some()
            }
            "aws_iam_instance_profile" => {
                let r = self
                    .iam()
                    .get_instance_profile()
                    .instance_profile_name(id)
                    .send();
                found(r.await, IAM_MISSING)?.is_some()
            }
            "aws_s3_bucket" => {
                let ctx = self.provider_ctx().await?;
                s3_bucket::exists(&ctx, id)
                    .await
                    .map_err(|e| anyhow!("{e}"))?
            }
            "aws_dynamodb_table" => {
                let r = self.dynamodb().describe_table().table_name(id).send();
                found(r.await, DDB_MISSING)?.is_some()
            }
            "aws_cloudwatch_log_group" => {
                let r = self
                    .logs()
                    .describe_log_groups()
                    .log_group_name_prefix(id)
                    .send()
                    .await?;
                r.log_groups()
                    .iter()
                    .any(|g| g.log_group_name() == Some(id))
            }
            "aws_lambda_function" => {
                let r = self.lambda().get_function().function_name(id).send().await;
                found(r, LAMBDA_MISSING)?.is_some()
            }
            "aws_lambda_permission" => {
                let (function, sid) = lambda_permission(id)?;
                let r = self
                    .lambda()
                    .get_policy()
                    .function_name(function)
                    .send()
                    .await;
                found(r, LAMBDA_MISSING)?.is_some_and(|p| {
                    let doc: serde_json::Value =
                        serde_json::from_str(p.policy().unwrap_or("{}")).unwrap_or_default();
                    doc["Statement"]
                        .as_array()
                        .is_some_and(|s| s.iter().any(|s| s["Sid"] == sid))
                })
            }
            "aws_sqs_queue" => {
                let name = id.rsplit('/').next().unwrap_or(id);
                let r = self.sqs().get_queue_url().queue_name(name).send().await;
                found(r, SQS_MISSING)?.is_some()
            }
            "aws_sns_topic" => match self.topic_arn(id).await? {
                Some(arn) => {
                    let r = self.sns().get_topic_attributes().topic_arn(arn).send();
                    found(r.await, SNS_MISSING)?.is_some()
                }
                None => false,
            },
            "aws_s3_bucket_notification" => {
                let r = self
                    .s3()
                    .get_bucket_notification_configuration()
                    .bucket(id)
                    .send()
                    .await;
                // An endpoint may answer "no configuration" with an empty body.
                if r.as_ref()
                    .err()
                    .and_then(|e| e.raw_response())
                    .is_some_and(|x| {
                        x.status().is_success() && x.body().bytes().is_some_and(<[u8]>::is_empty)
                    })
                {
                    return Ok(false);
                }
                found(r, S3_MISSING)?.is_some_and(|n| {
                    !n.lambda_function_configurations().is_empty()
                        || !n.queue_configurations().is_empty()
                        || !n.topic_configurations().is_empty()
                })
            }
            "aws_lb_target_group" => {
                let r = self
                    .elbv2()
                    .describe_target_groups()
                    .target_group_arns(id)
                    .send();
                found(r.await, ELB_TG_MISSING)?.is_some_and(|o| !o.target_groups().is_empty())
            }
            "aws_lb_listener_rule" => {
                let r = self.elbv2().describe_rules().rule_arns(id).send();
                found(r.await, ELB_RULE_MISSING)?.is_some_and(|o| !o.rules().is_empty())
            }
            "aws_ecs_task_definition" => {
                let r = self
                    .ecs()
                    .describe_task_definition()
                    .task_definition(id)
                    .send();
                found(r.await, ECS_MISSING)?.is_some_and(|o| {
                    o.task_definition().and_then(|t| t.status())
                        == Some(&aws_sdk_ecs::types::TaskDefinitionStatus::Active)
                })
            }
            "aws_ecs_cluster" => {
                let r = self.ecs().describe_clusters().clusters(id).send();
                found(r.await, ECS_MISSING)?
                    .is_some_and(|o| o.clusters().iter().any(|c| c.status() == Some("ACTIVE")))
            }
            "aws_ecs_service" => {
                let (cluster, service) = ecs_service(id)?;
                let r = self
                    .ecs()
                    .describe_services()
                    .cluster(cluster)
                    .services(service)
                    .send();
                found(r.await, ECS_MISSING)?.is_some_and(|o| {
                    o.services()
                        .iter()
                        .any(|s| s.status() == Some("ACTIVE") || s.status() == Some("DRAINING"))
                })
            }
            "aws_appautoscaling_target" => {
                let (ns, resource, dimension) = scalable_target(id)?;
                let r = self
                    .autoscaling()
                    .describe_scalable_targets()
                    .service_namespace(ns.as_str().into())
                    .resource_ids(&resource)
                    .scalable_dimension(dimension.as_str().into())
                    .send()
                    .await?;
                r.scalable_targets()
                    .iter()
                    .any(|t| t.resource_id() == resource)
            }
            "aws_appautoscaling_policy" => {
                let (target, policy) = id
                    .rsplit_once('/')
                    .ok_or_else(|| anyhow!("{id:?} is not TARGET_ID/POLICY"))?;
                let (ns, resource, dimension) = scalable_target(target)?;
                let r = self
                    .autoscaling()
                    .describe_scaling_policies()
                    .service_namespace(ns.as_str().into())
                    .resource_id(resource)
                    .scalable_dimension(dimension.as_str().into())
                    .policy_names(policy)
                    .send()
                    .await?;
                r.scaling_policies()
                    .iter()
                    .any(|p| p.policy_name() == policy)
            }
            "aws_db_subnet_group"
            | "aws_rds_cluster"
            | "aws_rds_cluster_instance"
            | "aws_db_instance" => self.rds_child(kind, id).await?.is_some(),
            "aws_vpc" => {
                let r = self.ec2().describe_vpcs().vpc_ids(id).send();
                found(r.await, &["InvalidVpcID.NotFound"])?.is_some_and(|o| !o.vpcs().is_empty())
            }
            "aws_subnet" => {
                let r = self.ec2().describe_subnets().subnet_ids(id).send();
                found(r.await, &["InvalidSubnetID.NotFound"])?
                    .is_some_and(|o| !o.subnets().is_empty())
            }
            "aws_internet_gateway" => {
                let r = self
                    .ec2()
                    .describe_internet_gateways()
                    .internet_gateway_ids(id)
                    .send();
                found(r.await, &["InvalidInternetGatewayID.NotFound"])?
                    .is_some_and(|o| !o.internet_gateways().is_empty())
            }
            "aws_nat_gateway" => {
                let r = self
                    .ec2()
                    .describe_nat_gateways()
                    .nat_gateway_ids(id)
                    .send();
                found(r.await, &["NatGatewayNotFound"])?.is_some_and(|o| {
                    o.nat_gateways().iter().any(|n| {
                        matches!(
                            n.state(),
                            Some(aws_sdk_ec2::types::NatGatewayState::Available)
                                | Some(aws_sdk_ec2::types::NatGatewayState::Pending)
                        )
                    })
                })
            }
            "aws_route_table" => {
                let r = self
                    .ec2()
                    .describe_route_tables()
                    .route_table_ids(id)
                    .send();
                found(r.await, &["InvalidRouteTableID.NotFound"])?
                    .is_some_and(|o| !o.route_tables().is_empty())
            }
            "aws_route_table_association" => {
                let f = aws_sdk_ec2::types::Filter::builder()
                    .name("association.route-table-association-id")
                    .values(id)
                    .build();
                let o = self.ec2().describe_route_tables().filters(f).send().await?;
                o.route_tables()
                    .iter()
                    .flat_map(|t| t.associations())
                    .any(|a| a.route_table_association_id() == Some(id))
            }
            "aws_vpc_endpoint" => {
                let r = self
                    .ec2()
                    .describe_vpc_endpoints()
                    .vpc_endpoint_ids(id)
                    .send();
                found(r.await, &["InvalidVpcEndpointId.NotFound"])?.is_some_and(|o| {
                    // The API spells endpoint states in lower case.
                    o.vpc_endpoints().iter().any(|e| {
                        e.state().is_none_or(|st| {
                            !st.as_str().eq_ignore_ascii_case("deleted")
                                && !st.as_str().eq_ignore_ascii_case("deleting")
                        })
                    })
                })
            }
            "aws_flow_log" => {
                let o = self
                    .ec2()
                    .describe_flow_logs()
                    .flow_log_ids(id)
                    .send()
                    .await?;
                !o.flow_logs().is_empty()
            }
            "aws_lb" => {
                let r = self
                    .elbv2()
                    .describe_load_balancers()
                    .load_balancer_arns(id)
                    .send();
                found(r.await, ELB_LB_MISSING)?.is_some_and(|o| !o.load_balancers().is_empty())
            }
            "aws_lb_listener" => {
                let r = self.elbv2().describe_listeners().listener_arns(id).send();
                found(r.await, ELB_LISTENER_MISSING)?.is_some_and(|o| !o.listeners().is_empty())
            }
            "aws_acm_certificate" => {
                let r = self.acm().describe_certificate().certificate_arn(id).send();
                found(r.await, ACM_MISSING)?.is_some()
            }
            other => {
                bail!("the probe cannot look up a {other} (add it to tests/src/aws/children.rs)")
            }
        })
    }

    /// The tags AWS holds on the child `id` of type `kind`, labelled `kind id`; an instance adds
    /// its EBS volumes (`aws_ebs_volume vol-…`). Empty for kinds that carry no tags here (scaling
    /// policies, and scalable targets, whose tags moto does not implement).
    pub async fn child_tags(&self, kind: &str, id: &str) -> Result<Vec<(String, Tags)>> {
        let label = format!("{kind} {id}");
        let tags = match kind {
            "aws_appautoscaling_target" | "aws_appautoscaling_policy" => return Ok(Vec::new()),
            // A per-zone row (ids joined by `,`): every member's tags.
            _ if id.contains(',') => {
                let mut out = Vec::new();
                for member in id.split(',') {
                    out.extend(Box::pin(self.child_tags(kind, member)).await?);
                }
                return Ok(out);
            }
            // Associations carry no tags.
            "aws_route_table_association" => return Ok(Vec::new()),
            "aws_vpc" => {
                let o = self.ec2().describe_vpcs().vpc_ids(id).send().await?;
                tag_pairs(
                    o.vpcs()
                        .iter()
                        .flat_map(|v| v.tags())
                        .map(|t| (t.key(), t.value())),
                )
            }
            "aws_subnet" => {
                let o = self.ec2().describe_subnets().subnet_ids(id).send().await?;
                tag_pairs(
                    o.subnets()
                        .iter()
                        .flat_map(|v| v.tags())
                        .map(|t| (t.key(), t.value())),
                )
            }
            "aws_internet_gateway" => {
                let o = self
                    .ec2()
                    .describe_internet_gateways()
                    .internet_gateway_ids(id)
                    .send()
                    .await?;
                tag_pairs(
                    o.internet_gateways()
                        .iter()
                        .flat_map(|v| v.tags())
                        .map(|t| (t.key(), t.value())),
                )
            }
            "aws_nat_gateway" => {
                let o = self
                    .ec2()
                    .describe_nat_gateways()
                    .nat_gateway_ids(id)
                    .send()
                    .await?;
                tag_pairs(
                    o.nat_gateways()
                        .iter()
                        .flat_map(|v| v.tags())
                        .map(|t| (t.key(), t.value())),
                )
            }
            "aws_route_table" => {
                let o = self
                    .ec2()
                    .describe_route_tables()
                    .route_table_ids(id)
                    .send()
                    .await?;
                tag_pairs(
                    o.route_tables()
                        .iter()
                        .flat_map(|v| v.tags())
                        .map(|t| (t.key(), t.value())),
                )
            }
            "aws_vpc_endpoint" => {
                let o = self
                    .ec2()
                    .describe_vpc_endpoints()
                    .vpc_endpoint_ids(id)
                    .send()
                    .await?;
                tag_pairs(
                    o.vpc_endpoints()
                        .iter()
                        .flat_map(|v| v.tags())
                        .map(|t| (t.key(), t.value())),
                )
            }
            "aws_flow_log" => {
                let o = self
                    .ec2()
                    .describe_flow_logs()
                    .flow_log_ids(id)
                    .send()
                    .await?;
                tag_pairs(
                    o.flow_logs()
                        .iter()
                        .flat_map(|v| v.tags())
                        .map(|t| (t.key(), t.value())),
                )
            }
            "aws_security_group" => {
                let o = self
                    .ec2()
                    .describe_security_groups()
                    .group_ids(id)
                    .send()
                    .await?;
                tag_pairs(
                    o.security_groups()
                        .iter()
                        .flat_map(|g| g.tags())
                        .map(|t| (t.key(), t.value())),
                )
            }
            "aws_key_pair" => {
                let o = self.ec2().describe_key_pairs().key_names(id).send().await?;
                tag_pairs(
                    o.key_pairs()
                        .iter()
                        .flat_map(|k| k.tags())
                        .map(|t| (t.key(), t.value())),
                )
            }
            "aws_eip" => {
                let o = self
                    .ec2()
                    .describe_addresses()
                    .allocation_ids(id)
                    .send()
                    .await?;
                tag_pairs(
                    o.addresses()
                        .iter()
                        .flat_map(|a| a.tags())
                        .map(|t| (t.key(), t.value())),
                )
            }
            "aws_instance" => return self.instance_tags(id).await,
            "aws_iam_role" => {
                let o = self
                    .iam()
                    .list_role_tags()
                    .role_name(role_name(id))
                    .send()
                    .await?;
                o.tags()
                    .iter()
                    .map(|t| (t.key().to_string(), t.value().to_string()))
                    .collect()
            }
            "aws_iam_instance_profile" => {
                let o = self
                    .iam()
                    .get_instance_profile()
                    .instance_profile_name(id)
                    .send()
                    .await?;
                o.instance_profile()
                    .map(|p| p.tags())
                    .unwrap_or_default()
                    .iter()
                    .map(|t| (t.key().to_string(), t.value().to_string()))
                    .collect()
            }
            "aws_s3_bucket" => {
                let ctx = self.provider_ctx().await?;
                s3_bucket::tags_of(&ctx, id)
                    .await
                    .map_err(|e| anyhow!("{e}"))?
            }
            "aws_dynamodb_table" => {
                let ddb = self.dynamodb();
                let d = ddb.describe_table().table_name(id).send().await?;
                let arn = d
                    .table()
                    .and_then(|t| t.table_arn())
                    .ok_or_else(|| anyhow!("table {id} has no ARN"))?;
                let o = ddb.list_tags_of_resource().resource_arn(arn).send().await?;
                o.tags()
                    .iter()
                    .map(|t| (t.key().to_string(), t.value().to_string()))
                    .collect()
            }
            "aws_ecs_cluster" => {
                let o = self
                    .ecs()
                    .list_tags_for_resource()
                    .resource_arn(id)
                    .send()
                    .await?;
                o.tags()
                    .iter()
                    .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
                    .collect()
            }
            "aws_cloudwatch_log_group" => {
                #[allow(deprecated)]
                let o = self
                    .logs()
                    .list_tags_log_group()
                    .log_group_name(id)
                    .send()
                    .await?;
                o.tags().cloned().unwrap_or_default().into_iter().collect()
            }
            // Neither carries tags in AWS.
            "aws_lambda_permission" | "aws_s3_bucket_notification" => return Ok(Vec::new()),
            "aws_lambda_function" => {
                let o = self
                    .lambda()
                    .get_function()
                    .function_name(id)
                    .send()
                    .await?;
                o.tags().cloned().unwrap_or_default().into_iter().collect()
            }
            "aws_sqs_queue" => {
                let url = self.queue_url(id).await?;
                let o = self.sqs().list_queue_tags().queue_url(url).send().await?;
                o.tags().cloned().unwrap_or_default().into_iter().collect()
            }
            "aws_sns_topic" => {
                let arn = self
                    .topic_arn(id)
                    .await?
                    .ok_or_else(|| anyhow!("no SNS topic {id}"))?;
                let o = self
                    .sns()
                    .list_tags_for_resource()
                    .resource_arn(arn)
                    .send()
                    .await?;
                o.tags()
                    .iter()
                    .map(|t| (t.key().to_string(), t.value().to_string()))
                    .collect()
            }
            "aws_lb_target_group" | "aws_lb_listener_rule" => {
                let o = self
                    .elbv2()
                    .describe_tags()
                    .resource_arns(id)
                    .send()
                    .await?;
                tag_pairs(
                    o.tag_descriptions()
                        .iter()
                        .flat_map(|d| d.tags())
                        .map(|t| (t.key(), t.value())),
                )
            }
            "aws_ecs_task_definition" => {
                let o = self
                    .ecs()
                    .describe_task_definition()
                    .task_definition(id)
                    .include(aws_sdk_ecs::types::TaskDefinitionField::Tags)
                    .send()
                    .await?;
                tag_pairs(o.tags().iter().map(|t| (t.key(), t.value())))
            }
            "aws_ecs_service" => {
                let (cluster, service) = ecs_service(id)?;
                let o = self
                    .ecs()
                    .describe_services()
                    .cluster(cluster)
                    .services(service)
                    .include(aws_sdk_ecs::types::ServiceField::Tags)
                    .send()
                    .await?;
                tag_pairs(
                    o.services()
                        .iter()
                        .flat_map(|s| s.tags())
                        .map(|t| (t.key(), t.value())),
                )
            }
            "aws_db_subnet_group"
            | "aws_rds_cluster"
            | "aws_rds_cluster_instance"
            | "aws_db_instance" => self
                .rds_child(kind, id)
                .await?
                .ok_or_else(|| anyhow!("{kind} {id} does not exist"))?,
            "aws_lb" | "aws_lb_listener" => {
                let o = self
                    .elbv2()
                    .describe_tags()
                    .resource_arns(id)
                    .send()
                    .await?;
                tag_pairs(
                    o.tag_descriptions()
                        .iter()
                        .flat_map(|d| d.tags())
                        .map(|t| (t.key(), t.value())),
                )
            }
            "aws_acm_certificate" => {
                let o = self
                    .acm()
                    .list_tags_for_certificate()
                    .certificate_arn(id)
                    .send()
                    .await?;
                tag_pairs(o.tags().iter().map(|t| (Some(t.key()), t.value())))
            }
            other => bail!(
                "the probe cannot read the tags of a {other} (add it to tests/src/aws/children.rs)"
            ),
        };
        Ok(vec![(label, tags)])
    }

    /// ACM client (for the certificates a composite imports).
    fn acm(&self) -> aws_sdk_acm::Client {
        aws_sdk_acm::Client::new(&self.config)
    }

    async fn instance_tags(&self, id: &str) -> Result<Vec<(String, Tags)>> {
        let ec2 = self.ec2();
        let o = ec2.describe_instances().instance_ids(id).send().await?;
        let mut out = Vec::new();
        let mut volumes = Vec::new();
        for i in o.reservations().iter().flat_map(|r| r.instances()) {
            out.push((
                format!("aws_instance {id}"),
                tag_pairs(i.tags().iter().map(|t| (t.key(), t.value()))),
            ));
            volumes.extend(
                i.block_device_mappings()
                    .iter()
                    .filter_map(|b| b.ebs().and_then(|e| e.volume_id()))
                    .map(str::to_string),
            );
        }
        if !volumes.is_empty() {
            let v = ec2
                .describe_volumes()
                .set_volume_ids(Some(volumes))
                .send()
                .await?;
            for vol in v.volumes() {
                out.push((
                    format!("aws_ebs_volume {}", vol.volume_id().unwrap_or_default()),
                    tag_pairs(vol.tags().iter().map(|t| (t.key(), t.value()))),
                ));
            }
        }
        Ok(out)
    }
}

const RDS_MISSING: &[&str] = &[
    "DBClusterNotFoundFault",
    "DBInstanceNotFound",
    "DBSubnetGroupNotFoundFault",
];

/// RDS children (`blueprint_database`): subnet groups by name, clusters and instances by
/// identifier, as terraform-provider-aws imports them.
impl AwsProbe {
    /// RDS client.
    pub fn rds(&self) -> aws_sdk_rds::Client {
        aws_sdk_rds::Client::new(&self.config)
    }

    /// The tags of the RDS child `id` of type `kind`, `None` when it does not exist (an
    /// instance or cluster being deleted counts as gone).
    async fn rds_child(&self, kind: &str, id: &str) -> Result<Option<Tags>> {
        let rds = self.rds();
        let pairs = |tags: &[aws_sdk_rds::types::Tag]| -> Tags {
            tag_pairs(tags.iter().map(|t| (t.key(), t.value())))
        };
        Ok(match kind {
            "aws_db_subnet_group" => {
                let r = rds
                    .describe_db_subnet_groups()
                    .db_subnet_group_name(id)
                    .send();
                match found(r.await, RDS_MISSING)?
                    .and_then(|o| o.db_subnet_groups().first().cloned())
                {
                    Some(g) => {
                        let arn = g.db_subnet_group_arn().unwrap_or_default();
                        let t = rds
                            .list_tags_for_resource()
                            .resource_name(arn)
                            .send()
                            .await?;
                        Some(pairs(t.tag_list()))
                    }
                    None => None,
                }
            }
            "aws_rds_cluster" => {
                let r = rds.describe_db_clusters().db_cluster_identifier(id).send();
                found(r.await, RDS_MISSING)?
                    .and_then(|o| o.db_clusters().first().cloned())
                    .filter(|c| c.status() != Some("deleting"))
                    .map(|c| pairs(c.tag_list()))
            }
            _ => {
                let r = rds
                    .describe_db_instances()
                    .db_instance_identifier(id)
                    .send();
                found(r.await, RDS_MISSING)?
                    .and_then(|o| o.db_instances().first().cloned())
                    .filter(|i| i.db_instance_status() != Some("deleting"))
                    .map(|i| pairs(i.tag_list()))
            }
        })
    }

    /// Delete an RDS child as someone with the console would: deletion protection off first,
    /// no final snapshot, a cluster's instances before it; waits until it is gone.
    async fn delete_rds(&self, kind: &str, id: &str) -> Result<()> {
        let rds = self.rds();
        match kind {
            "aws_db_subnet_group" => {
                let r = rds
                    .delete_db_subnet_group()
                    .db_subnet_group_name(id)
                    .send()
                    .await;
                return done(r, RDS_MISSING);
            }
            "aws_rds_cluster" => {
                let c = rds
                    .describe_db_clusters()
                    .db_cluster_identifier(id)
                    .send()
                    .await?;
                let members: Vec<String> = c
                    .db_clusters()
                    .iter()
                    .flat_map(|c| c.db_cluster_members())
                    .filter_map(|m| m.db_instance_identifier().map(str::to_string))
                    .collect();
                for m in members {
                    Box::pin(self.delete_rds("aws_rds_cluster_instance", &m)).await?;
                }
                rds.modify_db_cluster()
                    .db_cluster_identifier(id)
                    .deletion_protection(false)
                    .apply_immediately(true)
                    .send()
                    .await?;
                let r = rds
                    .delete_db_cluster()
                    .db_cluster_identifier(id)
                    .skip_final_snapshot(true)
                    .send()
                    .await;
                done(r, RDS_MISSING)?;
            }
            _ => {
                if kind == "aws_db_instance" {
                    rds.modify_db_instance()
                        .db_instance_identifier(id)
                        .deletion_protection(false)
                        .apply_immediately(true)
                        .send()
                        .await?;
                }
                let r = rds
                    .delete_db_instance()
                    .db_instance_identifier(id)
                    .skip_final_snapshot(true)
                    .send()
                    .await;
                done(r, RDS_MISSING)?;
            }
        }
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
        while self.rds_child(kind, id).await?.is_some() {
            if std::time::Instant::now() > deadline {
                bail!("{kind} {id} not deleted after 300 s");
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
        Ok(())
    }

    /// RDS clusters, instances, subnet groups and manual cluster/instance snapshots carrying
    /// `key = value` (each `kind name`): what `tagged_leftovers` does not look at.
    pub async fn rds_tagged_leftovers(&self, key: &str, value: &str) -> Result<Vec<String>> {
        let rds = self.rds();
        let tagged = |tags: &[aws_sdk_rds::types::Tag]| {
            tags.iter()
                .any(|t| t.key() == Some(key) && t.value() == Some(value))
        };
        let mut left = Vec::new();
        for c in rds.describe_db_clusters().send().await?.db_clusters() {
            if tagged(c.tag_list()) {
                left.push(format!(
                    "rds-cluster {}",
                    c.db_cluster_identifier().unwrap_or_default()
                ));
            }
        }
        for i in rds.describe_db_instances().send().await?.db_instances() {
            if tagged(i.tag_list()) {
                left.push(format!(
                    "rds-instance {}",
                    i.db_instance_identifier().unwrap_or_default()
                ));
            }
        }
        for g in rds
            .describe_db_subnet_groups()
            .send()
            .await?
            .db_subnet_groups()
        {
            let arn = g.db_subnet_group_arn().unwrap_or_default();
            let t = rds
                .list_tags_for_resource()
                .resource_name(arn)
                .send()
                .await?;
            if tagged(t.tag_list()) {
                left.push(format!(
                    "db-subnet-group {}",
                    g.db_subnet_group_name().unwrap_or_default()
                ));
            }
        }
        Ok(left)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_as_terraform_provider_aws_writes_them() {
        assert_eq!(
            ecs_service("arn:aws:ecs:us-east-1:123456789012:service/senas/content").unwrap(),
            ("senas".to_string(), "content".to_string())
        );
        assert_eq!(
            ecs_service("senas/content").unwrap(),
            ("senas".to_string(), "content".to_string())
        );
        assert!(ecs_service("content").is_err());
        assert_eq!(
            scalable_target("ecs/service/senas/content/ecs:service:DesiredCount").unwrap(),
            (
                "ecs".to_string(),
                "service/senas/content".to_string(),
                "ecs:service:DesiredCount".to_string()
            )
        );
        assert_eq!(
            role_name("arn:aws:iam::123456789012:role/content-task"),
            "content-task"
        );
        assert_eq!(role_name("ml-api-role"), "ml-api-role");
    }
}
