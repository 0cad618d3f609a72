//! The local permission oracle for an IAM *user* (not a role): the user's inline policy, the
//! managed policy attached to the user's group, evaluated against a seeded estate in moto.

use cloudops_aws::{AwsAccounts, AwsConfigFiles, AwsEstateSource, LocalPolicyOracle, sdk_config};
use cloudops_domain::{IamAction, PermissionVerdict, PrincipalKind, ResourceKind};
use cloudops_e2e::Emulator;
use cloudops_ports::{AccountDirectory, EstateSource, NoProgress, PermissionOracle, Profile, ScanTarget};

#[tokio::test]
async fn a_users_group_and_inline_policies_decide_its_permissions() {
    let emulator = Emulator::shared();
    let (staging, prod) = (emulator.fresh_account(), emulator.fresh_account());
    emulator.seed("small", &[&staging, &prod]);
    let dir = tempfile::tempdir().unwrap();
    let paths = emulator.write_aws_config_as(dir.path(), "ops", &[("prod", &prod)]);
    let files = AwsConfigFiles {
        config: Some(paths.config.clone()),
        credentials: Some(paths.credentials.clone()),
        discovered: None,
    };

    // Give alice (seeded in group `operators`) access keys and a profile of her own.
    let admin = sdk_config(&files, "prod", None).await;
    let key = aws_sdk_iam::Client::new(&admin).create_access_key().user_name("alice").send().await.unwrap();
    let key = key.access_key().unwrap();
    let config = std::fs::read_to_string(&paths.config).unwrap();
    std::fs::write(
        &paths.config,
        format!("{config}\n[profile alice]\nregion = us-east-1\nendpoint_url = {}\n", emulator.url()),
    )
    .unwrap();
    let credentials = std::fs::read_to_string(&paths.credentials).unwrap();
    std::fs::write(
        &paths.credentials,
        format!(
            "{credentials}\n[alice]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            key.access_key_id(),
            key.secret_access_key()
        ),
    )
    .unwrap();

    let identity = AwsAccounts::new(files.clone()).identify(&Profile("alice".into())).await.unwrap();
    assert_eq!(identity.account_id, prod);
    assert!(identity.principal_arn.ends_with(":user/alice"), "{}", identity.principal_arn);

    let target = ScanTarget {
        profile: Profile("alice".into()),
        account_id: prod.clone(),
        account_alias: identity.account_alias.clone(),
        region: "us-east-1".parse().unwrap(),
        kinds: vec![ResourceKind::Ec2Instance, ResourceKind::RdsInstance],
    };
    let resources = AwsEstateSource::new(files.clone()).scan(&target, &NoProgress).await.unwrap().resources;
    let perms = LocalPolicyOracle::new(files).evaluate(&identity, &resources).await.unwrap();
    let verdict = |kind: ResourceKind, action: &str| {
        let i = resources.iter().position(|r| r.kind == kind).unwrap();
        assert_eq!(perms[i].principal.as_ref().unwrap().kind, PrincipalKind::User);
        perms[i].verdict(&action.parse::<IamAction>().unwrap())
    };
    // From the group's managed policy (OPS_POLICY):
    assert_eq!(verdict(ResourceKind::Ec2Instance, "ec2:StopInstances"), PermissionVerdict::Allowed);
    assert_eq!(verdict(ResourceKind::RdsInstance, "rds:StopDBInstance"), PermissionVerdict::ExplicitDeny, "production");
    // From alice's own inline deny:
    assert_eq!(verdict(ResourceKind::Ec2Instance, "ec2:RebootInstances"), PermissionVerdict::ExplicitDeny);
    assert_eq!(verdict(ResourceKind::RdsInstance, "rds:RebootDBInstance"), PermissionVerdict::ExplicitDeny);
    // Allowed to nobody:
    assert_eq!(verdict(ResourceKind::Ec2Instance, "ec2:ModifyInstanceAttribute"), PermissionVerdict::ImplicitDeny);
}
