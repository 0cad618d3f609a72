//! The accounts of an AWS Organization as profiles.
//!
//! `organizations:ListAccounts` through a management (or delegated administrator) profile;
//! every other ACTIVE account becomes a profile in cloudops' own profiles file
//! ([`AwsConfigFiles::discovered`]) that assumes a role in that account through the listing
//! profile's credentials — the `role_arn` + `source_profile` chain the AWS CLI documents — so
//! the scanners, the permission oracle and the executor use it like any profile of the user's.

use std::collections::BTreeSet;
use std::path::Path;

use cloudops_ports::{ORGANIZATION_ACCOUNT_ACCESS_ROLE, PortError, PortResult, Profile};

use crate::errors::port_error;
use crate::{AwsConfigFiles, list_profiles, sdk_config};

/// One member account as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Member {
    id: String,
    name: String,
}

/// Lists the organization `via` can see and (re)writes the discovered profiles file; returns
/// the member accounts' profiles (not `via` itself), in account-name order.
pub async fn discover(files: &AwsConfigFiles, via: &Profile, role: &str) -> PortResult<Vec<Profile>> {
    check_role_name(role)?;
    let Some(path) = files.discovered.as_deref() else {
        return Err(PortError::Invalid(
            "organization accounts need a discovered-profiles file; this build did not configure one".into(),
        ));
    };
    // The user's own files: the listing profile is theirs, and discovered names must not clash.
    let user_files = AwsConfigFiles { discovered: None, ..files.clone() };
    let user_profiles: BTreeSet<String> = list_profiles(&user_files)?.into_iter().map(|p| p.0).collect();
    if !user_profiles.contains(&via.0) {
        return Err(PortError::NotFound(format!(
            "AWS profile '{}' (named in [aws.organization] of the cloudops config) is not in your AWS config",
            via.0
        )));
    }
    let config = sdk_config(&user_files, &via.0, None).await;
    let own = aws_sdk_sts::Client::new(&config)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| port_error("sts:GetCallerIdentity", &via.0, e))?
        .account
        .unwrap_or_default();
    let client = aws_sdk_organizations::Client::new(&config);
    let mut pages = client.list_accounts().into_paginator().send();
    let mut members = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| port_error("organizations:ListAccounts", &via.0, e))?;
        for account in page.accounts() {
            let (Some(id), name) = (account.id(), account.name().unwrap_or_default()) else { continue };
            let active = account.state().is_none_or(|s| s.as_str() == "ACTIVE");
            if id != own && active {
                members.push(Member { id: id.to_owned(), name: name.to_owned() });
            }
        }
    }
    members.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
    let named = profile_names(&members, &user_profiles);
    let text = render(via, role, config.region().map(|r| r.as_ref()), config.endpoint_url(), &members, &named);
    write_replacing(path, &text)?;
    Ok(named.into_iter().map(Profile).collect())
}

/// IAM role names: 1–64 of `[A-Za-z0-9+=,.@_-]` (also keeps the file's syntax intact).
fn check_role_name(role: &str) -> PortResult<()> {
    let ok = !role.is_empty()
        && role.len() <= 64
        && role.chars().all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(PortError::Invalid(format!(
            "'{role}' is not an IAM role name (1-64 letters, digits and +=,.@_-); set [aws.organization] role, \
             e.g. {ORGANIZATION_ACCOUNT_ACCESS_ROLE}"
        )))
    }
}

/// `org-<account name>` (lowercase, other characters as `-`), with `-<account id>` appended
/// when two accounts share that name, the name is empty, or the user has a profile so named.
fn profile_names(members: &[Member], taken: &BTreeSet<String>) -> Vec<String> {
    let slug = |m: &Member| {
        let words: String =
            m.name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { ' ' }).collect();
        words.split_whitespace().collect::<Vec<_>>().join("-")
    };
    let slugs: Vec<String> = members.iter().map(slug).collect();
    members
        .iter()
        .zip(&slugs)
        .map(|(m, s)| {
            let name = format!("org-{s}");
            if s.is_empty() {
                format!("org-{}", m.id)
            } else if slugs.iter().filter(|o| *o == s).count() > 1 || taken.contains(&name) {
                format!("{name}-{}", m.id)
            } else {
                name
            }
        })
        .collect()
}

fn render(
    via: &Profile,
    role: &str,
    region: Option<&str>,
    endpoint_url: Option<&str>,
    members: &[Member],
    names: &[String],
) -> String {
    let mut text = format!(
        "# Written by cloudops from organizations:ListAccounts through profile '{}'.\n\
         # Rewritten by every sync that discovers the organization; edits are lost.\n",
        via.0
    );
    for (member, name) in members.iter().zip(names) {
        text.push_str(&format!(
            "\n[profile {name}]\nrole_arn = arn:aws:iam::{id}:role/{role}\nsource_profile = {via}\n\
             role_session_name = cloudops\n",
            id = member.id,
            via = via.0
        ));
        if let Some(region) = region {
            text.push_str(&format!("region = {region}\n"));
        }
        if let Some(url) = endpoint_url {
            text.push_str(&format!("endpoint_url = {url}\n"));
        }
    }
    text
}

/// Writes `text` to `path` through a temporary file and a rename: a reader sees the old file
/// or the new one, never half of it.
fn write_replacing(path: &Path, text: &str) -> PortResult<()> {
    let failed = |e: std::io::Error| PortError::Unavailable {
        what: format!("the discovered-profiles file {}", path.display()),
        detail: e.to_string(),
        hint: "check that the cloudops data directory is writable".into(),
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(failed)?;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).map_err(failed)?;
    std::fs::rename(&tmp, path).map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: &str, name: &str) -> Member {
        Member { id: id.into(), name: name.into() }
    }

    #[test]
    fn profile_names_are_readable_and_unique() {
        let members = [
            member("111111111111", "Production"),
            member("222222222222", "Data Lake (EU)"),
            member("333333333333", "sandbox"),
            member("444444444444", "Sandbox"),
            member("555555555555", "staging"),
            member("666666666666", "!!"),
        ];
        let taken: BTreeSet<String> = ["org-staging".to_owned()].into();
        assert_eq!(
            profile_names(&members, &taken),
            [
                "org-production",
                "org-data-lake-eu",
                "org-sandbox-333333333333",
                "org-sandbox-444444444444",
                "org-staging-555555555555",
                "org-666666666666",
            ]
        );
    }

    #[test]
    fn role_names_are_checked() {
        assert!(check_role_name(ORGANIZATION_ACCOUNT_ACCESS_ROLE).is_ok());
        assert!(check_role_name("ops").is_ok());
        for bad in ["", "a b", "x\n[profile evil]", &"r".repeat(65)] {
            let err = check_role_name(bad).unwrap_err().to_string();
            assert!(err.contains("not an IAM role name"), "{err}");
        }
    }

    #[test]
    fn the_file_chains_each_member_through_the_listing_profile() {
        let members = [member("111111111111", "Production")];
        let text = render(
            &Profile("mgmt".into()),
            "ops",
            Some("eu-west-1"),
            Some("http://127.0.0.1:5000"),
            &members,
            &["org-production".into()],
        );
        assert!(text.contains(
            "[profile org-production]\nrole_arn = arn:aws:iam::111111111111:role/ops\nsource_profile = mgmt\n\
             role_session_name = cloudops\nregion = eu-west-1\nendpoint_url = http://127.0.0.1:5000\n"
        ));
    }
}
