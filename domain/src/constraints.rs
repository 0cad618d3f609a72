//! What can be done to a resource given its state and configuration, derived by per-kind rules.

use serde::{Deserialize, Serialize};

use crate::resource::{Resource, ResourceKind};

/// Facts about a resource that decide which operations are possible and how risky they are.
/// `reasons` says, in words, why an operation is not possible.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Constraints {
    pub can_stop: bool,
    pub can_start: bool,
    pub can_reboot: bool,
    pub can_delete: bool,
    pub has_read_replicas: bool,
    pub is_read_replica: bool,
    pub backups_enabled: bool,
    pub multi_az: bool,
    pub deletion_protection: bool,
    pub has_dependents: bool,
    pub publicly_accessible: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
}

impl Constraints {
    /// The names playbook preconditions may use.
    pub const FLAGS: [&'static str; 11] = [
        "can_stop",
        "can_start",
        "can_reboot",
        "can_delete",
        "has_read_replicas",
        "is_read_replica",
        "backups_enabled",
        "multi_az",
        "deletion_protection",
        "has_dependents",
        "publicly_accessible",
    ];

    /// A flag by name (see [`Self::FLAGS`]); `None` for an unknown name.
    pub fn flag(&self, name: &str) -> Option<bool> {
        Some(match name {
            "can_stop" => self.can_stop,
            "can_start" => self.can_start,
            "can_reboot" => self.can_reboot,
            "can_delete" => self.can_delete,
            "has_read_replicas" => self.has_read_replicas,
            "is_read_replica" => self.is_read_replica,
            "backups_enabled" => self.backups_enabled,
            "multi_az" => self.multi_az,
            "deletion_protection" => self.deletion_protection,
            "has_dependents" => self.has_dependents,
            "publicly_accessible" => self.publicly_accessible,
            _ => return None,
        })
    }
}

/// Derives the constraints of `resource` from its kind, state and config. `dependents` is the
/// number of other resources in the estate that depend on it (instances in a subnet, ENIs
/// using a security group…), which the resource alone cannot know.
pub fn derive(resource: &Resource, dependents: usize) -> Constraints {
    let cfg = &resource.config;
    let state = &resource.state;
    let mut c = Constraints {
        has_read_replicas: !cfg.read_replicas.is_empty(),
        is_read_replica: cfg.replica_source.is_some(),
        backups_enabled: cfg.backup_retention_days.is_some_and(|d| d > 0),
        multi_az: cfg.multi_az.unwrap_or(false),
        deletion_protection: cfg.deletion_protection.unwrap_or(false),
        has_dependents: dependents > 0,
        publicly_accessible: cfg.publicly_accessible.unwrap_or(false),
        ..Constraints::default()
    };
    let mut reasons = Vec::new();
    let mut why = |cond: bool, reason: String| {
        if cond {
            reasons.push(reason);
        }
    };
    let label = resource.kind.label();

    match resource.kind {
        ResourceKind::Ec2Instance => {
            let instance_store = cfg.root_device_type.as_deref() == Some("instance-store");
            c.can_stop = state.is("running") && !instance_store;
            c.can_start = state.is("stopped");
            c.can_reboot = state.is("running");
            c.can_delete = !state.is("terminated") && !state.is("shutting-down") && !c.deletion_protection;
            why(instance_store, "instance-store backed instances cannot be stopped, only terminated".into());
            why(c.deletion_protection, "termination protection (DisableApiTermination) is on".into());
        }
        ResourceKind::RdsInstance => {
            let available = state.is("available");
            c.can_stop = available && !c.has_read_replicas && !c.is_read_replica;
            c.can_start = state.is("stopped");
            c.can_reboot = available;
            c.can_delete = !c.deletion_protection && !state.is("deleting");
            why(c.is_read_replica, "a read replica cannot be stopped".into());
            why(c.has_read_replicas, "an instance with read replicas cannot be stopped".into());
            why(c.deletion_protection, "deletion protection is on".into());
        }
        ResourceKind::RdsCluster => {
            c.can_stop = state.is("available");
            c.can_start = state.is("stopped");
            c.can_reboot = state.is("available");
            c.can_delete = !c.deletion_protection && !state.is("deleting");
            why(c.deletion_protection, "deletion protection is on".into());
        }
        ResourceKind::EbsVolume => {
            c.can_delete = state.is("available");
            why(state.is("in-use"), "the volume is attached (in-use): detach it before deleting".into());
        }
        ResourceKind::S3Bucket | ResourceKind::LambdaFunction => {
            c.can_delete = true;
        }
        ResourceKind::LoadBalancer => {
            c.can_delete = !c.deletion_protection;
            why(c.deletion_protection, "deletion protection is on".into());
        }
        ResourceKind::Vpc | ResourceKind::Subnet | ResourceKind::SecurityGroup => {
            let default_group =
                resource.kind == ResourceKind::SecurityGroup && resource.name.as_deref() == Some("default");
            c.can_delete = !c.has_dependents && !default_group;
            why(default_group, "a VPC's default security group cannot be deleted".into());
        }
    }
    // The state a stoppable kind must be in to be stopped.
    let stoppable_in = match resource.kind {
        ResourceKind::Ec2Instance => Some("running"),
        ResourceKind::RdsInstance | ResourceKind::RdsCluster => Some("available"),
        _ => None,
    };
    let stoppable = stoppable_in.is_some();
    let blocked_by_state = stoppable_in.is_some_and(|s| !state.is(s)) && !state.is("stopped");
    why(blocked_by_state, format!("a {label} in state '{state}' cannot be stopped"));
    why(stoppable && state.is("stopped"), format!("the {label} is already stopped"));
    why(c.has_dependents, format!("{dependents} other resource(s) depend on it"));
    c.reasons = reasons;
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::ResourceConfig;
    use crate::testing::resource;

    fn with(kind: ResourceKind, state: &str, cfg: ResourceConfig) -> Resource {
        let mut r = resource(kind, "x", state);
        r.config = cfg;
        r
    }

    #[test]
    fn ec2_rules() {
        let c = derive(&resource(ResourceKind::Ec2Instance, "web", "running"), 0);
        assert!(c.can_stop && c.can_reboot && c.can_delete && !c.can_start);
        let c = derive(&resource(ResourceKind::Ec2Instance, "web", "stopped"), 0);
        assert!(!c.can_stop && c.can_start && !c.can_reboot);
        assert!(c.reasons.iter().any(|r| r.contains("already stopped")), "{:?}", c.reasons);
        let c = derive(
            &with(
                ResourceKind::Ec2Instance,
                "running",
                ResourceConfig { root_device_type: Some("instance-store".into()), ..Default::default() },
            ),
            0,
        );
        assert!(!c.can_stop && c.can_reboot);
        let c = derive(
            &with(
                ResourceKind::Ec2Instance,
                "running",
                ResourceConfig { deletion_protection: Some(true), ..Default::default() },
            ),
            0,
        );
        assert!(!c.can_delete && c.deletion_protection);
        assert!(!derive(&resource(ResourceKind::Ec2Instance, "x", "terminated"), 0).can_delete);
    }

    #[test]
    fn rds_rules() {
        let base = ResourceConfig { multi_az: Some(true), backup_retention_days: Some(7), ..Default::default() };
        let c = derive(&with(ResourceKind::RdsInstance, "available", base.clone()), 0);
        assert!(c.can_stop && c.can_reboot && c.multi_az && c.backups_enabled && c.can_delete);
        let c = derive(
            &with(
                ResourceKind::RdsInstance,
                "available",
                ResourceConfig { read_replicas: vec!["r1".into()], ..base.clone() },
            ),
            0,
        );
        assert!(!c.can_stop && c.has_read_replicas);
        let c = derive(
            &with(
                ResourceKind::RdsInstance,
                "available",
                ResourceConfig { replica_source: Some("src".into()), ..base.clone() },
            ),
            0,
        );
        assert!(!c.can_stop && c.is_read_replica);
        assert!(c.reasons.iter().any(|r| r.contains("read replica")));
        let c = derive(&with(ResourceKind::RdsInstance, "stopped", base.clone()), 0);
        assert!(!c.can_stop && c.can_start);
        let c = derive(&with(ResourceKind::RdsInstance, "backing-up", base), 0);
        assert!(!c.can_stop && c.reasons.iter().any(|r| r.contains("backing-up")));
        let c = derive(
            &with(
                ResourceKind::RdsInstance,
                "available",
                ResourceConfig { backup_retention_days: Some(0), ..Default::default() },
            ),
            0,
        );
        assert!(!c.backups_enabled);
    }

    #[test]
    fn network_and_storage_rules() {
        assert!(!derive(&resource(ResourceKind::Subnet, "s", "available"), 3).can_delete);
        assert!(derive(&resource(ResourceKind::Subnet, "s", "available"), 0).can_delete);
        assert!(!derive(&resource(ResourceKind::SecurityGroup, "default", "available"), 0).can_delete);
        assert!(!derive(&resource(ResourceKind::EbsVolume, "v", "in-use"), 0).can_delete);
        assert!(derive(&resource(ResourceKind::EbsVolume, "v", "available"), 0).can_delete);
        let c = derive(&resource(ResourceKind::S3Bucket, "b", "available"), 0);
        assert!(!c.can_stop && !c.can_start && c.can_delete);
    }
}
