//! AWS Organization accounts (issue 3): a sync naming a management profile and an org role
//! syncs every member account through a role it assumes there, against moto over real HTTP.

use std::collections::{BTreeMap, BTreeSet};

use cloudops_app::sync::{OrganizationSource, SyncRequest, sync};
use cloudops_aws::{AwsConfigFiles, list_profiles, sdk_config};
use cloudops_domain::{AccountId, ResourceKind};
use cloudops_e2e::{Emulator, SyncWorld};
use cloudops_ports::{EstateFilter, EstateStore, Profile};

#[tokio::test]
async fn an_organization_role_syncs_every_member_account_once() {
    let emulator = Emulator::shared();
    let mgmt = emulator.fresh_account();
    let dir = tempfile::tempdir().unwrap();
    let paths = emulator.write_aws_config_as(dir.path(), "ops", &[("mgmt", &mgmt)]);
    let files = AwsConfigFiles {
        config: Some(paths.config.clone()),
        credentials: Some(paths.credentials.clone()),
        discovered: Some(dir.path().join("data/aws-organization-profiles")),
    };

    // The management account has the role its profile assumes (the member accounts get theirs
    // from the seeder), creates the organization and two member accounts.
    let sdk = sdk_config(&files, "mgmt", None).await;
    let iam = aws_sdk_iam::Client::new(&sdk);
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#;
    iam.create_role().role_name("ops").assume_role_policy_document(trust).send().await.unwrap();
    let read = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:Describe*","rds:Describe*","s3:Get*","s3:List*","lambda:Get*","lambda:List*","elasticloadbalancing:Describe*"],"Resource":"*"}]}"#;
    iam.put_role_policy().role_name("ops").policy_name("read").policy_document(read).send().await.unwrap();
    let org = aws_sdk_organizations::Client::new(&sdk);
    org.create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .unwrap();
    let mut members: Vec<AccountId> = Vec::new();
    for name in ["Staging", "Production"] {
        let created =
            org.create_account().account_name(name).email(format!("{name}@example.com")).send().await.unwrap();
        let id = created.create_account_status().and_then(|s| s.account_id()).expect("the new account's id");
        members.push(id.parse().unwrap());
    }
    let manifest = emulator.seed("small", &[&members[0], &members[1]]);
    let regions =
        manifest["regions"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().parse().unwrap()).collect();

    let world = SyncWorld::with_files(files.clone());
    let request = SyncRequest {
        profiles: vec![],
        regions,
        kinds: ResourceKind::ALL.to_vec(),
        concurrency: 10,
        full: false,
        organization: Some(OrganizationSource { profile: Profile("mgmt".into()), role: "ops".into() }),
    };
    let report = sync(world.ports(), &request).await.unwrap();
    assert_eq!(report.failed, 0, "{:#?}", report.statuses);

    // Each account synced under one profile: the management one and a readable one per member.
    let mut profiles_by_account: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for status in &report.statuses {
        let account = status.account_id.as_ref().expect("every account identified").to_string();
        profiles_by_account.entry(account).or_default().insert(status.profile.clone());
    }
    let expected: BTreeMap<String, BTreeSet<String>> = [
        (mgmt.to_string(), ["mgmt".to_owned()].into()),
        (members[0].to_string(), ["org-staging".to_owned()].into()),
        (members[1].to_string(), ["org-production".to_owned()].into()),
    ]
    .into();
    assert_eq!(profiles_by_account, expected);
    // The discovered profiles are profiles like any other from now on.
    let all: Vec<String> = list_profiles(&files).unwrap().into_iter().map(|p| p.0).collect();
    assert_eq!(all, ["cloudops-e2e-source", "mgmt", "org-production", "org-staging"]);

    // Everything seeded in each member account is in the store under that account.
    for member in &members {
        let stored: BTreeSet<String> = world
            .store
            .scan(&EstateFilter { accounts: vec![member.clone()], ..Default::default() })
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.identifier.as_str().to_owned())
            .collect();
        let seeded: Vec<&str> = manifest["resources"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["account_id"] == member.as_str())
            .map(|r| r["identifier"].as_str().unwrap())
            .collect();
        assert!(!seeded.is_empty());
        for id in seeded {
            assert!(stored.contains(id), "{id} of {member} was seeded but not synced");
        }
    }

    // A profile of your own for a member account wins: that account is synced once, under it.
    let own = emulator.write_aws_config_as(dir.path(), "ops", &[("mgmt", &mgmt), ("prod", &members[1])]);
    let world = SyncWorld::with_files(AwsConfigFiles { config: Some(own.config), ..files.clone() });
    let again =
        sync(world.ports(), &SyncRequest { profiles: vec![Profile("prod".into())], ..request.clone() }).await.unwrap();
    assert_eq!(again.failed, 0, "{:#?}", again.statuses);
    let prod: BTreeSet<&str> = again
        .statuses
        .iter()
        .filter(|s| s.account_id.as_ref() == Some(&members[1]))
        .map(|s| s.profile.as_str())
        .collect();
    assert_eq!(prod, ["prod"].into());
}

#[tokio::test]
async fn an_organization_that_cannot_be_listed_is_reported_and_the_rest_still_syncs() {
    let emulator = Emulator::shared();
    let other = emulator.fresh_account();
    let manifest = emulator.seed("small", &[&other, &emulator.fresh_account()]);
    let dir = tempfile::tempdir().unwrap();
    let paths = emulator.write_aws_config_as(dir.path(), "ops", &[("other", &other)]);
    let files = AwsConfigFiles {
        config: Some(paths.config.clone()),
        credentials: Some(paths.credentials.clone()),
        discovered: Some(dir.path().join("aws-organization-profiles")),
    };
    let world = SyncWorld::with_files(files.clone());
    let request = SyncRequest {
        profiles: vec![Profile("other".into())],
        regions: vec![manifest["regions"][0].as_str().unwrap().parse().unwrap()],
        kinds: vec![ResourceKind::S3Bucket],
        concurrency: 4,
        full: false,
        // A management profile the AWS config does not define (a typo in the cloudops config).
        organization: Some(OrganizationSource { profile: Profile("managment".into()), role: "ops".into() }),
    };
    let report = sync(world.ports(), &request).await.unwrap();
    let failed: Vec<_> = report.statuses.iter().filter(|s| s.last_error.is_some()).collect();
    assert_eq!(failed.len(), 1, "{:#?}", report.statuses);
    assert_eq!((failed[0].profile.as_str(), failed[0].service.as_str()), ("managment", "organizations"));
    let error = failed[0].last_error.as_deref().unwrap();
    assert!(error.contains("'managment'") && error.contains("[aws.organization]"), "{error}");
    // The explicit profile still synced; no discovered-profiles file was written.
    let synced: BTreeSet<&str> =
        report.statuses.iter().filter(|s| s.last_success.is_some()).map(|s| s.profile.as_str()).collect();
    assert_eq!(synced, ["other"].into());
    assert!(!files.discovered.unwrap().exists());
}
