//! The words the prompt parser recognises: kinds, states, region names, filler words.

use crate::resource::ResourceKind;

/// Words (and two-word phrases, space-joined) naming resource kinds.
pub(crate) fn kind_word(word: &str) -> Option<&'static [ResourceKind]> {
    use ResourceKind::*;
    Some(match word {
        "database" | "databases" | "db" | "dbs" | "rds" => &[RdsInstance, RdsCluster],
        "cluster" | "clusters" | "aurora" => &[RdsCluster],
        "instance" | "instances" | "server" | "servers" | "vm" | "vms" | "ec2" | "host" | "hosts" | "machine"
        | "machines" | "box" | "boxes" => &[Ec2Instance],
        "bucket" | "buckets" | "s3" => &[S3Bucket],
        "function" | "functions" | "lambda" | "lambdas" => &[LambdaFunction],
        "load balancer" | "load balancers" | "loadbalancer" | "loadbalancers" | "lb" | "lbs" | "alb" | "albs"
        | "nlb" | "elb" | "elbs" => &[LoadBalancer],
        "volume" | "volumes" | "ebs" | "disk" | "disks" => &[EbsVolume],
        "security group" | "security groups" | "sg" | "sgs" | "firewall" => &[SecurityGroup],
        "vpc" | "vpcs" | "network" | "networks" => &[Vpc],
        "subnet" | "subnets" => &[Subnet],
        _ => return None,
    })
}

/// Words naming states; "running" also means an RDS instance that is `available`.
pub(crate) fn state_word(word: &str) -> Option<&'static [&'static str]> {
    Some(match word {
        "stopped" => &["stopped"],
        "running" => &["running", "available", "active"],
        "available" => &["available"],
        "pending" => &["pending"],
        "stopping" => &["stopping"],
        "starting" => &["starting"],
        "terminated" => &["terminated"],
        "unattached" | "detached" => &["available"],
        "attached" => &["in-use"],
        _ => return None,
    })
}

/// Region names as people say them (one or two words, space-joined).
pub(crate) fn region_word(word: &str) -> Option<&'static str> {
    Some(match word {
        "virginia" | "n. virginia" | "north virginia" | "northern virginia" => "us-east-1",
        "ohio" => "us-east-2",
        "california" | "n. california" | "northern california" => "us-west-1",
        "oregon" => "us-west-2",
        "ireland" | "dublin" => "eu-west-1",
        "london" => "eu-west-2",
        "paris" => "eu-west-3",
        "frankfurt" => "eu-central-1",
        "stockholm" => "eu-north-1",
        "milan" => "eu-south-1",
        "tokyo" => "ap-northeast-1",
        "seoul" => "ap-northeast-2",
        "osaka" => "ap-northeast-3",
        "singapore" => "ap-southeast-1",
        "sydney" => "ap-southeast-2",
        "mumbai" => "ap-south-1",
        "hong kong" => "ap-east-1",
        "canada" | "montreal" => "ca-central-1",
        "sao paulo" | "são paulo" => "sa-east-1",
        "bahrain" => "me-south-1",
        "cape town" => "af-south-1",
        _ => return None,
    })
}

/// Environment words and the spellings that mean the same environment (for account aliases).
pub(crate) fn environment_synonyms(word: &str) -> &'static [&'static str] {
    match word {
        "prod" | "production" | "prd" | "live" => &["prod", "production", "prd", "live"],
        "staging" | "stage" | "stg" => &["staging", "stage", "stg"],
        "dev" | "development" | "develop" => &["dev", "development", "develop"],
        "test" | "testing" | "qa" => &["test", "testing", "qa"],
        "sandbox" | "sbx" => &["sandbox", "sbx"],
        _ => &[],
    }
}

/// Words that carry no name: articles, verbs of the operations, connectives.
pub(crate) fn is_filler(word: &str) -> bool {
    matches!(
        word,
        "a" | "an"
            | "the"
            | "my"
            | "our"
            | "all"
            | "any"
            | "every"
            | "each"
            | "of"
            | "for"
            | "with"
            | "that"
            | "which"
            | "whose"
            | "is"
            | "are"
            | "in"
            | "on"
            | "at"
            | "from"
            | "to"
            | "into"
            | "please"
            | "me"
            | "now"
            | "and"
            | "or"
            | "&&"
            | "show"
            | "list"
            | "find"
            | "get"
            | "describe"
            | "stop"
            | "start"
            | "restart"
            | "reboot"
            | "terminate"
            | "delete"
            | "remove"
            | "kill"
            | "shut"
            | "down"
            | "resize"
            | "modify"
            | "snapshot"
            | "backup"
            | "called"
            | "named"
            | "tagged"
            | "tag"
            | "tags"
            | "account"
            | "acct"
            | "region"
            | "state"
            | "where"
            | "what"
            | "one"
            | "ones"
            | "up"
            // Pronouns point back to what a conversation was about; they name nothing.
            | "it"
            | "its"
            | "them"
            | "this"
            | "these"
            | "those"
            | "same"
            | "again"
    )
}
