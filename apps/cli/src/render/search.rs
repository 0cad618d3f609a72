//! `search`: what was understood, the verdict, a table; and the `--json` shape.

use std::fmt::Write as _;

use cloudops_app::lookup::LookupResult;
use cloudops_domain::lookup::Verdict;
use serde::Serialize;

/// The `--json` output (a public interface: keep the field names).
#[derive(Debug, Serialize)]
pub struct SearchOutput {
    pub query: String,
    pub filters: cloudops_domain::Filters,
    pub ambiguous: bool,
    pub candidates: Vec<CandidateOutput>,
}

#[derive(Debug, Serialize)]
pub struct CandidateOutput {
    pub arn: String,
    pub resource_type: cloudops_domain::ResourceKind,
    pub name: Option<String>,
    pub identifier: String,
    pub account_id: String,
    pub account_alias: Option<String>,
    pub region: String,
    pub state: String,
    pub score: f32,
}

impl From<&LookupResult> for SearchOutput {
    fn from(result: &LookupResult) -> Self {
        let candidates = result
            .ranking
            .candidates
            .iter()
            .map(|c| {
                let r = &c.resource;
                CandidateOutput {
                    arn: r.arn.to_string(),
                    resource_type: r.kind,
                    name: r.name.clone(),
                    identifier: r.identifier.to_string(),
                    account_id: r.account_id.to_string(),
                    account_alias: r.account_alias.clone(),
                    region: r.region.to_string(),
                    state: r.state.to_string(),
                    // Three decimals: more is noise, and stable output diffs well.
                    score: (c.score * 1000.0).round() / 1000.0,
                }
            })
            .collect();
        Self {
            query: result.query.clone(),
            filters: result.parsed.filters.clone(),
            ambiguous: result.is_ambiguous(),
            candidates,
        }
    }
}

/// The human form: what was understood, the verdict, a table.
pub fn result(result: &LookupResult) -> String {
    let mut out = String::new();
    let f = &result.parsed.filters;
    let mut understood: Vec<String> = Vec::new();
    if !f.account_aliases.is_empty() || !f.accounts.is_empty() {
        let names = if f.account_aliases.is_empty() {
            f.accounts.iter().map(ToString::to_string).collect::<Vec<_>>()
        } else {
            f.account_aliases.clone()
        };
        understood.push(format!("account {}", names.join("|")));
    }
    let join = |items: Vec<String>| items.join("|");
    if !f.regions.is_empty() {
        understood.push(format!("region {}", join(f.regions.iter().map(ToString::to_string).collect())));
    }
    if !f.kinds.is_empty() {
        understood.push(format!("type {}", join(f.kinds.iter().map(|k| k.as_str().to_owned()).collect())));
    }
    if !f.states.is_empty() {
        understood.push(format!("state {}", join(f.states.iter().map(ToString::to_string).collect())));
    }
    for t in &f.tags {
        understood.push(format!("tag {}={}", t.key, t.value));
    }
    if !result.parsed.terms.is_empty() {
        understood.push(format!("name ~ {}", result.parsed.terms.join(" ")));
    }
    if !understood.is_empty() {
        let _ = writeln!(out, "understood: {}", understood.join(", "));
    }
    let ranking = &result.ranking;
    match ranking.verdict {
        Verdict::NoMatch => {
            let _ = writeln!(out, "no resource matches; check the spelling, drop a filter, or run `cloudops sync`");
            return out;
        }
        Verdict::Ambiguous => {
            let _ = writeln!(
                out,
                "ambiguous: {} resources match equally well; name the account, region or type to pick one",
                ranking.tied
            );
        }
        Verdict::Weak => {
            let _ = writeln!(out, "no name matched: these resources are only similar to the words");
        }
        Verdict::Confident => {}
    }
    let name_width = ranking
        .candidates
        .iter()
        .map(|c| c.resource.name.as_deref().unwrap_or("-").chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 48);
    let _ = writeln!(
        out,
        "\n{:>5}  {:15}  {:name_width$}  {:21}  {:14}  {:12}  {:10}  IDENTIFIER",
        "SCORE", "TYPE", "NAME", "ACCOUNT", "ALIAS", "REGION", "STATE"
    );
    for c in &ranking.candidates {
        let r = &c.resource;
        let identifier = if r.name.as_deref() == Some(r.identifier.as_str()) { "" } else { r.identifier.as_str() };
        let _ = writeln!(
            out,
            "{:>5.3}  {:15}  {:name_width$}  {:21}  {:14}  {:12}  {:10}  {identifier}",
            c.score,
            r.kind.as_str(),
            r.name.as_deref().unwrap_or("-"),
            r.account_id.as_str(),
            r.account_alias.as_deref().unwrap_or("-"),
            r.region.as_str(),
            r.state.as_str(),
        );
    }
    out
}
