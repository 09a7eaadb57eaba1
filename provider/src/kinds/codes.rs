//! AWS error codes, named once per service, so that every comparison reads
//! `code::ec2::DEPENDENCY_VIOLATION` instead of a string literal that a typo breaks silently.
//! Each service's module holds the codes the provider compares against; a code shared by
//! several services (`ResourceNotFoundException`) is named in each.

/// EC2 (and VPC).
pub mod ec2 {
    /// No such security group.
    pub const INVALID_GROUP_NOT_FOUND: &str = "InvalidGroup.NotFound";
    /// A security group of that name exists in the VPC.
    pub const INVALID_GROUP_DUPLICATE: &str = "InvalidGroup.Duplicate";
    /// The rule is already there.
    pub const INVALID_PERMISSION_DUPLICATE: &str = "InvalidPermission.Duplicate";
    /// The rule is not there.
    pub const INVALID_PERMISSION_NOT_FOUND: &str = "InvalidPermission.NotFound";
    /// Something still uses it: try again once that is gone.
    pub const DEPENDENCY_VIOLATION: &str = "DependencyViolation";
    /// No such Elastic IP allocation.
    pub const INVALID_ALLOCATION_ID_NOT_FOUND: &str = "InvalidAllocationID.NotFound";
    /// No such association.
    pub const INVALID_ASSOCIATION_ID_NOT_FOUND: &str = "InvalidAssociationID.NotFound";
    /// No such instance.
    pub const INVALID_INSTANCE_ID_NOT_FOUND: &str = "InvalidInstanceID.NotFound";
    /// A key pair of that name exists.
    pub const INVALID_KEY_PAIR_DUPLICATE: &str = "InvalidKeyPair.Duplicate";
    /// No such key pair.
    pub const INVALID_KEY_PAIR_NOT_FOUND: &str = "InvalidKeyPair.NotFound";
    /// No such VPC endpoint.
    pub const INVALID_VPC_ENDPOINT_ID_NOT_FOUND: &str = "InvalidVpcEndpointId.NotFound";
    /// No such flow log.
    pub const INVALID_FLOW_LOG_ID_NOT_FOUND: &str = "InvalidFlowLogId.NotFound";
    /// No such internet gateway.
    pub const INVALID_INTERNET_GATEWAY_ID_NOT_FOUND: &str = "InvalidInternetGatewayID.NotFound";
    /// No such VPC.
    pub const INVALID_VPC_ID_NOT_FOUND: &str = "InvalidVpcID.NotFound";
    /// No such NAT gateway.
    pub const NAT_GATEWAY_NOT_FOUND: &str = "NatGatewayNotFound";
    /// No such route table.
    pub const INVALID_ROUTE_TABLE_ID_NOT_FOUND: &str = "InvalidRouteTableID.NotFound";
    /// No such subnet.
    pub const INVALID_SUBNET_ID_NOT_FOUND: &str = "InvalidSubnetID.NotFound";
    /// The route is already there.
    pub const ROUTE_ALREADY_EXISTS: &str = "RouteAlreadyExists";
    /// The gateway is not attached to that VPC.
    pub const GATEWAY_NOT_ATTACHED: &str = "Gateway.NotAttached";
    /// The address is still associated.
    pub const INVALID_IP_ADDRESS_IN_USE: &str = "InvalidIPAddress.InUse";
    /// A parameter was refused (the message says which).
    pub const INVALID_PARAMETER_VALUE: &str = "InvalidParameterValue";
}

/// IAM.
pub mod iam {
    /// An entity of that name exists.
    pub const ENTITY_ALREADY_EXISTS: &str = "EntityAlreadyExists";
    /// No such entity.
    pub const NO_SUCH_ENTITY: &str = "NoSuchEntity";
    /// Something is still attached: try again once it is detached.
    pub const DELETE_CONFLICT: &str = "DeleteConflict";
}

/// ECS.
pub mod ecs {
    /// The cluster still has services.
    pub const CLUSTER_CONTAINS_SERVICES_EXCEPTION: &str = "ClusterContainsServicesException";
    /// The cluster still has tasks.
    pub const CLUSTER_CONTAINS_TASKS_EXCEPTION: &str = "ClusterContainsTasksException";
    /// No such cluster.
    pub const CLUSTER_NOT_FOUND_EXCEPTION: &str = "ClusterNotFoundException";
    /// An update is under way: try again.
    pub const UPDATE_IN_PROGRESS_EXCEPTION: &str = "UpdateInProgressException";
    /// The service is draining or gone.
    pub const SERVICE_NOT_ACTIVE_EXCEPTION: &str = "ServiceNotActiveException";
    /// No such service.
    pub const SERVICE_NOT_FOUND_EXCEPTION: &str = "ServiceNotFoundException";
    /// A request ECS refused (for a task definition: not found or not active).
    pub const CLIENT_EXCEPTION: &str = "ClientException";
}

/// RDS.
pub mod rds {
    /// A cluster of that identifier exists.
    pub const DB_CLUSTER_ALREADY_EXISTS_FAULT: &str = "DBClusterAlreadyExistsFault";
    /// No such cluster.
    pub const DB_CLUSTER_NOT_FOUND_FAULT: &str = "DBClusterNotFoundFault";
    /// A snapshot of that identifier exists.
    pub const DB_CLUSTER_SNAPSHOT_ALREADY_EXISTS_FAULT: &str =
        "DBClusterSnapshotAlreadyExistsFault";
    /// The cluster is busy: try again.
    pub const INVALID_DB_CLUSTER_STATE_FAULT: &str = "InvalidDBClusterStateFault";
    /// No such instance.
    pub const DB_INSTANCE_NOT_FOUND: &str = "DBInstanceNotFound";
    /// An instance of that identifier exists.
    pub const DB_INSTANCE_ALREADY_EXISTS: &str = "DBInstanceAlreadyExists";
    /// The instance is busy.
    pub const INVALID_DB_INSTANCE_STATE: &str = "InvalidDBInstanceState";
    /// No such subnet group.
    pub const DB_SUBNET_GROUP_NOT_FOUND_FAULT: &str = "DBSubnetGroupNotFoundFault";
    /// A subnet group of that name exists.
    pub const DB_SUBNET_GROUP_ALREADY_EXISTS: &str = "DBSubnetGroupAlreadyExists";
    /// The subnet group is still in use: try again.
    pub const INVALID_DB_SUBNET_GROUP_STATE_FAULT: &str = "InvalidDBSubnetGroupStateFault";
}

/// Lambda.
pub mod lambda {
    /// A parameter was refused (for a new role: not assumable yet).
    pub const INVALID_PARAMETER_VALUE_EXCEPTION: &str = "InvalidParameterValueException";
    /// The function is being updated: try again.
    pub const RESOURCE_CONFLICT_EXCEPTION: &str = "ResourceConflictException";
    /// No such resource.
    pub const RESOURCE_NOT_FOUND_EXCEPTION: &str = "ResourceNotFoundException";
    /// Throttled: try again.
    pub const TOO_MANY_REQUESTS_EXCEPTION: &str = "TooManyRequestsException";
}

/// Elastic Load Balancing v2.
pub mod elbv2 {
    /// No such load balancer.
    pub const LOAD_BALANCER_NOT_FOUND: &str = "LoadBalancerNotFound";
    /// No such listener.
    pub const LISTENER_NOT_FOUND: &str = "ListenerNotFound";
    /// No such listener rule.
    pub const RULE_NOT_FOUND: &str = "RuleNotFound";
    /// No such target group.
    pub const TARGET_GROUP_NOT_FOUND: &str = "TargetGroupNotFound";
}

/// ACM.
pub mod acm {
    /// It is in use.
    pub const RESOURCE_IN_USE_EXCEPTION: &str = "ResourceInUseException";
    /// No such resource.
    pub const RESOURCE_NOT_FOUND_EXCEPTION: &str = "ResourceNotFoundException";
}

/// CloudWatch Logs.
pub mod logs {
    /// A log group of that name exists.
    pub const RESOURCE_ALREADY_EXISTS_EXCEPTION: &str = "ResourceAlreadyExistsException";
    /// No such resource.
    pub const RESOURCE_NOT_FOUND_EXCEPTION: &str = "ResourceNotFoundException";
    /// Another operation on it is under way: try again.
    pub const OPERATION_ABORTED_EXCEPTION: &str = "OperationAbortedException";
}

/// SQS.
pub mod sqs {
    /// No such queue.
    pub const QUEUE_DOES_NOT_EXIST: &str = "QueueDoesNotExist";
}

/// SNS.
pub mod sns {
    /// No such topic.
    pub const NOT_FOUND: &str = "NotFound";
    /// No such resource (the tag API's answer for a topic that is gone).
    pub const RESOURCE_NOT_FOUND_EXCEPTION: &str = "ResourceNotFound";
}

/// DynamoDB.
pub mod dynamodb {
    /// The table exists, or is being changed.
    pub const RESOURCE_IN_USE_EXCEPTION: &str = "ResourceInUseException";
    /// No such resource.
    pub const RESOURCE_NOT_FOUND_EXCEPTION: &str = "ResourceNotFoundException";
    /// No such table (`DescribeContinuousBackups`).
    pub const TABLE_NOT_FOUND_EXCEPTION: &str = "TableNotFoundException";
}

/// Application Auto Scaling.
pub mod autoscaling {
    /// No such scalable target or policy.
    pub const OBJECT_NOT_FOUND_EXCEPTION: &str = "ObjectNotFoundException";
    /// A request refused as invalid (also how some answer for a target that is gone).
    pub const VALIDATION_EXCEPTION: &str = "ValidationException";
}

/// S3.
pub mod s3 {
    /// No such bucket.
    pub const NO_SUCH_BUCKET: &str = "NoSuchBucket";
    /// The bucket has no lifecycle configuration.
    pub const NO_SUCH_LIFECYCLE_CONFIGURATION: &str = "NoSuchLifecycleConfiguration";
    /// The bucket has no default encryption.
    pub const SERVER_SIDE_ENCRYPTION_CONFIGURATION_NOT_FOUND_ERROR: &str =
        "ServerSideEncryptionConfigurationNotFoundError";
    /// The bucket has no ownership controls.
    pub const OWNERSHIP_CONTROLS_NOT_FOUND_ERROR: &str = "OwnershipControlsNotFoundError";
}
