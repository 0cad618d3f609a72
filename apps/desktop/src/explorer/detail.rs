//! The detail pane of the selected resource: where it is, tags, configuration, constraints,
//! what the syncing principal may and may not do to it, and its dependencies both ways.

use cloudops_app::lookup::Lookup;
use cloudops_domain::{Resource, ResourceKind};

use crate::theme;

/// The resources that depend on the selected one (computed once per selection).
#[derive(Debug)]
pub struct Selected {
    pub resource: Resource,
    /// (relation, name or ARN) of the resources whose dependencies name it.
    pub dependents: Vec<(String, String)>,
    /// (relation, name or ARN) of what it depends on.
    pub depends_on: Vec<(String, String)>,
}

fn label(r: &Resource) -> String {
    format!("{} ({})", r.name.as_deref().unwrap_or(r.identifier.as_str()), r.kind)
}

impl Selected {
    /// The estate's resource at `index`, with its dependencies both ways.
    pub fn new(index: usize, estate: &Lookup) -> Self {
        let resources = estate.resources();
        let resource = resources[index].clone();
        let named = |arn: &cloudops_domain::Arn| {
            estate.position(arn).map(|i| label(&resources[i])).unwrap_or_else(|| arn.to_string())
        };
        let depends_on = resource.dependencies.iter().map(|d| (format!("{:?}", d.relation), named(&d.arn))).collect();
        let dependents = resources
            .iter()
            .flat_map(|o| {
                o.dependencies
                    .iter()
                    .filter(|d| d.arn == resource.arn)
                    .map(move |d| (format!("{:?}", d.relation), label(o)))
            })
            .collect();
        Self { resource, dependents, depends_on }
    }

    /// Draws the pane; answers true when "Ask about this resource" was pressed.
    pub fn ui(&self, ui: &mut egui::Ui) -> bool {
        let r = &self.resource;
        let mut ask = false;
        ui.heading(r.name.as_deref().unwrap_or(r.identifier.as_str()));
        if ui.button("Ask about this resource").on_hover_text("pre-fill the chat with its name").clicked() {
            ask = true;
        }
        egui::ScrollArea::vertical().id_salt("detail").auto_shrink(false).show(ui, |ui| {
            egui::Grid::new("where").num_columns(2).show(ui, |ui| {
                let account = match &r.account_alias {
                    Some(alias) => format!("{alias} ({})", r.account_id),
                    None => r.account_id.to_string(),
                };
                for (k, v) in [
                    ("kind", r.kind.to_string()),
                    ("state", r.state.to_string()),
                    ("account", account),
                    ("region", r.region.to_string()),
                    ("identifier", r.identifier.to_string()),
                    ("synced", r.last_synced.format("%Y-%m-%d %H:%M:%S UTC").to_string()),
                ] {
                    ui.strong(k);
                    ui.label(v);
                    ui.end_row();
                }
            });
            theme::command_line(ui, r.arn.as_str(), "the ARN");
            for facet in &r.unknown {
                ui.colored_label(theme::WARNING, format!("Warning: {facet:?} unknown: the sync could not read them"));
            }
            section(ui, "Tags", |ui| {
                if r.tags.is_empty() {
                    ui.weak("no tags");
                }
                egui::Grid::new("tags").num_columns(2).striped(true).show(ui, |ui| {
                    for (k, v) in r.tags.iter() {
                        ui.label(k);
                        ui.label(v);
                        ui.end_row();
                    }
                });
            });
            section(ui, "Configuration", |ui| {
                let text = serde_json::to_string_pretty(&r.config).unwrap_or_default();
                ui.add(egui::Label::new(egui::RichText::new(text).monospace().small()).wrap());
            });
            section(ui, "Constraints", |ui| constraints(ui, r));
            section(ui, "Permissions", |ui| permissions(ui, r));
            section(ui, "Depends on", |ui| pairs(ui, &self.depends_on));
            section(ui, "Dependents", |ui| pairs(ui, &self.dependents));
        });
        ask
    }
}

fn section(ui: &mut egui::Ui, title: &str, body: impl FnOnce(&mut egui::Ui)) {
    egui::CollapsingHeader::new(title).default_open(true).show(ui, body);
}

fn pairs(ui: &mut egui::Ui, list: &[(String, String)]) {
    if list.is_empty() {
        ui.weak("none");
    }
    for (relation, name) in list {
        ui.label(format!("{relation}: {name}"));
    }
}

fn constraints(ui: &mut egui::Ui, r: &Resource) {
    let c = &r.constraints;
    let mut can = Vec::new();
    let mut cannot = Vec::new();
    for (flag, on) in [("stop", c.can_stop), ("start", c.can_start), ("reboot", c.can_reboot), ("delete", c.can_delete)]
    {
        if on { can.push(flag) } else { cannot.push(flag) }
    }
    if !can.is_empty() {
        ui.label(format!("can {}", can.join(", ")));
    }
    if !cannot.is_empty() && !matches!(r.kind, ResourceKind::S3Bucket) {
        ui.label(format!("cannot {}", cannot.join(", ")));
    }
    for (name, on) in [
        ("multi-AZ", c.multi_az),
        ("backups enabled", c.backups_enabled),
        ("deletion protection", c.deletion_protection),
        ("read replica", c.is_read_replica),
        ("has read replicas", c.has_read_replicas),
        ("has dependents", c.has_dependents),
        ("publicly accessible", c.publicly_accessible),
    ] {
        if on {
            ui.label(format!("- {name}"));
        }
    }
    for reason in &c.reasons {
        ui.weak(format!("- {reason}"));
    }
}

fn permissions(ui: &mut egui::Ui, r: &Resource) {
    let Some(iam) = &r.iam else {
        ui.weak("not evaluated (the sync could not read the policies)");
        return;
    };
    let list = |ui: &mut egui::Ui, title: &str, colour: Option<egui::Color32>, set: Vec<String>| {
        if set.is_empty() {
            return;
        }
        let text = format!("{title}: {}", set.join(", "));
        match colour {
            Some(c) => ui.colored_label(c, text),
            None => ui.label(text),
        };
    };
    let names =
        |s: &std::collections::BTreeSet<cloudops_domain::IamAction>| s.iter().map(ToString::to_string).collect();
    list(ui, "allowed", Some(theme::OK), names(&iam.allowed));
    list(ui, "denied (explicit)", Some(theme::ERROR), names(&iam.denied_explicit));
    list(ui, "denied (no allow)", Some(theme::WARNING), names(&iam.denied_implicit));
    list(ui, "unknown (conditions)", None, names(&iam.unknown));
    if let Some(p) = &iam.principal {
        ui.weak(format!("as {}", p.arn));
    }
}
