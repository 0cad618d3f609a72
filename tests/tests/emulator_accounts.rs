//! The emulator harness and the AWS adapter's account discovery, over real HTTP against moto:
//! profiles configured as users configure real AWS (source_profile + role_arn + endpoint_url)
//! reach isolated accounts, and a broken profile fails alone with a useful error.

use cloudops_aws::{AwsAccounts, AwsConfigFiles, sdk_config};
use cloudops_e2e::Emulator;
use cloudops_ports::{AccountDirectory, PortError, Profile};

fn files(paths: &cloudops_e2e::AwsConfigPaths) -> AwsConfigFiles {
    AwsConfigFiles {
        config: Some(paths.config.clone()),
        credentials: Some(paths.credentials.clone()),
        discovered: None,
    }
}

#[tokio::test]
async fn sts_get_caller_identity_through_the_sdk() {
    let emulator = Emulator::shared();
    let dir = tempfile::tempdir().unwrap();
    let account = emulator.fresh_account();
    let paths = emulator.write_aws_config(dir.path(), &[("ops", &account)]);

    let config = sdk_config(&files(&paths), "ops", None).await;
    let me = aws_sdk_sts::Client::new(&config).get_caller_identity().send().await.expect("STS answers");
    assert_eq!(me.account(), Some(account.as_str()));
    assert!(me.arn().unwrap().contains(":assumed-role/cloudops-e2e/"), "{:?}", me.arn());
}

#[tokio::test]
async fn each_profile_reaches_its_own_account_with_its_alias() {
    let emulator = Emulator::shared();
    let dir = tempfile::tempdir().unwrap();
    let (prod, staging) = (emulator.fresh_account(), emulator.fresh_account());
    let paths = emulator.write_aws_config(dir.path(), &[("prod", &prod), ("staging", &staging)]);
    let files = files(&paths);

    // Give only the prod account an alias.
    let config = sdk_config(&files, "prod", None).await;
    aws_sdk_iam::Client::new(&config).create_account_alias().account_alias("acme-prod").send().await.unwrap();

    let accounts = AwsAccounts::new(files);
    let names: Vec<String> = accounts.profiles().await.unwrap().into_iter().map(|p| p.0).collect();
    assert_eq!(names, ["cloudops-e2e-source", "prod", "staging"]);

    let p = accounts.identify(&Profile("prod".into())).await.unwrap();
    let s = accounts.identify(&Profile("staging".into())).await.unwrap();
    assert_eq!(p.account_id, prod);
    assert_eq!(s.account_id, staging);
    assert_eq!(p.account_alias.as_deref(), Some("acme-prod"));
    assert_eq!(s.account_alias, None);
}

#[tokio::test]
async fn an_unreachable_profile_fails_alone_and_says_what_to_check() {
    let emulator = Emulator::shared();
    let dir = tempfile::tempdir().unwrap();
    let good = emulator.fresh_account();
    let paths = emulator.write_aws_config(dir.path(), &[("good", &good), ("broken", &good)]);
    // Point the broken profile at a port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let text = std::fs::read_to_string(&paths.config).unwrap();
    let (head, tail) = text.split_once("[profile broken]").unwrap();
    let tail = tail.replace(emulator.url(), &format!("http://127.0.0.1:{closed}"));
    std::fs::write(&paths.config, format!("{head}[profile broken]{tail}")).unwrap();

    let accounts = AwsAccounts::new(files(&paths));
    let err = accounts.identify(&Profile("broken".into())).await.unwrap_err();
    assert!(matches!(err, PortError::Unavailable { .. }), "{err}");
    assert!(err.to_string().contains("'broken'") && err.to_string().contains("endpoint_url"), "{err}");
    assert_eq!(accounts.identify(&Profile("good".into())).await.unwrap().account_id, good);
}

#[tokio::test]
async fn an_unknown_profile_names_the_profiles_that_exist() {
    let emulator = Emulator::shared();
    let dir = tempfile::tempdir().unwrap();
    let paths = emulator.write_aws_config(dir.path(), &[("prod", &emulator.fresh_account())]);
    let err = AwsAccounts::new(files(&paths)).identify(&Profile("prdo".into())).await.unwrap_err();
    assert!(matches!(err, PortError::NotFound(_)), "{err}");
    assert!(err.to_string().contains("'prdo'") && err.to_string().contains("prod"), "{err}");
}
