//! The resource explorer: a table over the local estate — virtualised, so only the rows in
//! view are drawn, at 10k or 100k resources — with facet filters, the lookup engine behind
//! the search box (ranked, like the chat's), and the selected resource's detail pane.

mod detail;
pub mod rows;

use std::sync::Arc;

use cloudops_app::Client;
use cloudops_app::lookup::{Lookup, LookupResult};
use cloudops_domain::Resource;

use crate::app::{Action, Msg as AppMsg};
use crate::problem::Problem;
use crate::tasks::Tasks;
use crate::theme;
use detail::Selected;
use rows::{Choices, Facets};

/// How many ranked candidates a search lists.
const SEARCH_LIMIT: usize = 200;
pub const ROW_HEIGHT: f32 = 20.0;

#[derive(Debug)]
pub enum Msg {
    Estate(Result<Arc<Lookup>, Problem>),
    /// A search's ranking as indexes into `estate` (computed off the UI thread).
    Found {
        seq: u64,
        result: Result<(Arc<Lookup>, Vec<u32>), Problem>,
    },
}

#[derive(Debug, Default)]
pub struct Explorer {
    estate: Option<Arc<Lookup>>,
    problem: Option<Problem>,
    choices: Choices,
    pub facets: Facets,
    /// Rows on show: indexes into the estate (all resources, or a search's ranking).
    pub rows: Vec<u32>,
    pub search: String,
    /// The search the rows answer, when there is one, and the latest asked.
    searched: Option<String>,
    seq: u64,
    searching: bool,
    /// The ranked resources of the last search (indexes into the estate by ARN).
    found: Option<Vec<u32>>,
    selected: Option<Selected>,
    focus: bool,
    /// Scroll to this row on the next frame (how the benchmark scrolls).
    pub scroll_to: Option<usize>,
}

impl Explorer {
    pub fn reload(&mut self, client: &Client, tasks: &Tasks) {
        let client = client.clone();
        tasks.spawn(async move { AppMsg::Explorer(Msg::Estate(client.estate().await.map_err(Problem::from))) });
    }

    pub fn problem(&self) -> Option<&Problem> {
        self.problem.as_ref()
    }

    pub fn focus_search(&mut self) {
        self.focus = true;
    }

    /// How many resources the loaded estate holds (None before it loaded).
    pub fn estate_len(&self) -> Option<usize> {
        self.estate.as_ref().map(|e| e.len())
    }

    pub fn resources(&self) -> &[Resource] {
        self.estate.as_deref().map(Lookup::resources).unwrap_or(&[])
    }

    pub fn on(&mut self, msg: Msg) {
        match msg {
            Msg::Estate(Ok(estate)) => {
                self.choices = Choices::of(estate.resources());
                self.estate = Some(estate);
                self.problem = None;
                self.found = None;
                self.searched = None;
                // The selection shows its fresh copy (a run changed its state).
                if let (Some(selected), Some(estate)) = (self.selected.take(), &self.estate) {
                    self.selected = estate.position(&selected.resource.arn).map(|i| Selected::new(i, estate));
                }
                self.refilter();
            }
            Msg::Estate(Err(p)) => {
                self.estate = None;
                self.rows.clear();
                self.problem = Some(p);
            }
            Msg::Found { seq, result } if seq == self.seq => {
                self.searching = false;
                match result {
                    // Indexes into another estate (a sync replaced it meanwhile) mean nothing.
                    Ok((estate, found)) if self.estate.as_ref().is_some_and(|e| Arc::ptr_eq(e, &estate)) => {
                        self.found = Some(found);
                        self.problem = None;
                    }
                    Ok(_) => self.searched = None,
                    Err(p) => self.problem = Some(p),
                }
                self.refilter();
            }
            Msg::Found { .. } => {}
        }
    }

    fn refilter(&mut self) {
        let resources = self.resources();
        self.rows = match &self.found {
            Some(found) => found.iter().copied().filter(|&i| self.facets.matches(&resources[i as usize])).collect(),
            None => rows::filter(resources, &self.facets),
        };
    }

    fn ask(&mut self, client: &Client, tasks: &Tasks) {
        let text = self.search.trim().to_owned();
        if text.is_empty() {
            self.found = None;
            self.searched = None;
            self.refilter();
            return;
        }
        if self.searched.as_deref() == Some(text.as_str()) {
            return;
        }
        self.searched = Some(text.clone());
        self.seq += 1;
        self.searching = true;
        let (seq, client) = (self.seq, client.clone());
        tasks.spawn(async move {
            let result = match (client.search(&text, SEARCH_LIMIT).await, client.estate().await) {
                (Ok(found), Ok(estate)) => Ok(rank_in(&estate, &found)).map(|ranked| (estate, ranked)),
                (Err(e), _) | (_, Err(e)) => Err(Problem::from(e)),
            };
            AppMsg::Explorer(Msg::Found { seq, result })
        });
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, client: &Client, tasks: &Tasks) -> Vec<Action> {
        let mut actions = Vec::new();
        self.filters_ui(ui, client, tasks);
        if let Some(p) = &self.problem {
            theme::problem(ui, p);
        }
        if self.selected.is_some() {
            let mut ask = false;
            let mut close = false;
            egui::Panel::right("detail").default_size(380.0).show(ui, |ui| {
                if ui.small_button("Close").on_hover_text("close the detail pane").clicked() {
                    close = true;
                }
                if let Some(selected) = &self.selected {
                    ask = selected.ui(ui);
                }
            });
            if ask && let Some(s) = &self.selected {
                let name = s.resource.name.clone().unwrap_or_else(|| s.resource.identifier.to_string());
                actions.push(Action::Ask(format!("{name} ")));
            }
            if close {
                self.selected = None;
            }
        }
        egui::CentralPanel::default().show(ui, |ui| self.table(ui));
        actions
    }

    fn filters_ui(&mut self, ui: &mut egui::Ui, client: &Client, tasks: &Tasks) {
        ui.horizontal_wrapped(|ui| {
            let response = theme::labelled(ui, "Search:", |_| {
                egui::TextEdit::singleline(&mut self.search)
                    .id(egui::Id::unique("explorer-search"))
                    .hint_text("name, id, words… (Ctrl+K)")
                    .desired_width(260.0)
            });
            if self.focus {
                response.request_focus();
                self.focus = false;
            }
            if response.changed() {
                self.ask(client, tasks);
            }
            if self.searching {
                ui.spinner();
            }
            let before = self.facets.clone();
            let choices = &self.choices;
            combo(
                ui,
                "Account",
                &mut self.facets.account,
                choices.accounts.iter().map(|(id, l)| (id.clone(), l.clone())),
            );
            combo(ui, "Region", &mut self.facets.region, choices.regions.iter().map(|r| (r.clone(), r.clone())));
            combo(ui, "Kind", &mut self.facets.kind, choices.kinds.iter().map(|k| (*k, k.to_string())));
            combo(ui, "State", &mut self.facets.state, choices.states.iter().map(|s| (s.clone(), s.clone())));
            theme::labelled(ui, "Tag:", |_| {
                egui::TextEdit::singleline(&mut self.facets.tag).hint_text("key=value").desired_width(120.0)
            });
            if self.facets != before {
                self.refilter();
            }
            ui.weak(format!("{} of {} resources", self.rows.len(), self.resources().len()));
        });
    }

    fn table(&mut self, ui: &mut egui::Ui) {
        use egui_extras::{Column, TableBuilder};
        let Some(estate) = self.estate.clone() else {
            if self.problem.is_none() {
                ui.spinner();
            }
            return;
        };
        let resources = estate.resources();
        // A click anywhere on a row selects it (a selectable label would take the click).
        ui.style_mut().interaction.selectable_labels = false;
        let selected_arn = self.selected.as_ref().map(|s| s.resource.arn.clone());
        let mut clicked = None;
        let mut table = TableBuilder::new(ui)
            .id_salt("estate")
            .striped(true)
            .sense(egui::Sense::click())
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .column(Column::initial(240.0).at_least(80.0).clip(true))
            .column(Column::initial(110.0).clip(true))
            .column(Column::initial(190.0).clip(true))
            .column(Column::initial(100.0).clip(true))
            .column(Column::initial(90.0).clip(true))
            .column(Column::initial(80.0).clip(true))
            .column(Column::remainder().clip(true))
            .auto_shrink(false);
        if let Some(row) = self.scroll_to.take() {
            table = table.scroll_to_row(row, Some(egui::Align::Min));
        }
        table
            .header(ROW_HEIGHT, |mut header| {
                for title in ["name", "kind", "account", "region", "state", "env", "tags"] {
                    header.col(|ui| {
                        ui.strong(title);
                    });
                }
            })
            .body(|body| {
                body.rows(ROW_HEIGHT, self.rows.len(), |mut row| {
                    let r = &resources[self.rows[row.index()] as usize];
                    row.set_selected(selected_arn.as_ref() == Some(&r.arn));
                    row.col(|ui| {
                        ui.label(r.name.as_deref().unwrap_or(r.identifier.as_str()));
                    });
                    row.col(|ui| {
                        ui.label(r.kind.to_string());
                    });
                    row.col(|ui| {
                        ui.label(match &r.account_alias {
                            Some(alias) => format!("{alias} ({})", r.account_id),
                            None => r.account_id.to_string(),
                        });
                    });
                    row.col(|ui| {
                        ui.label(r.region.as_str());
                    });
                    row.col(|ui| {
                        ui.label(r.state.as_str());
                    });
                    row.col(|ui| {
                        ui.label(r.tags.environment().unwrap_or(""));
                    });
                    row.col(|ui| {
                        let tags: Vec<String> = r.tags.iter().take(4).map(|(k, v)| format!("{k}={v}")).collect();
                        ui.weak(tags.join(" "));
                    });
                    if row.response().clicked() {
                        clicked = Some(self.rows[row.index()] as usize);
                    }
                });
            });
        if let Some(i) = clicked {
            self.selected = Some(Selected::new(i, &estate));
        }
    }
}

/// The search's candidates as indexes into the estate's resources, best first.
fn rank_in(estate: &Lookup, found: &LookupResult) -> Vec<u32> {
    found.ranking.candidates.iter().filter_map(|c| estate.position(&c.resource.arn)).map(|i| i as u32).collect()
}

/// A drop-down for one facet: "any" or one of `options` (value, label).
fn combo<T: Clone + PartialEq>(
    ui: &mut egui::Ui,
    title: &str,
    value: &mut Option<T>,
    options: impl Iterator<Item = (T, String)>,
) {
    let options: Vec<(T, String)> = options.collect();
    let shown = value
        .as_ref()
        .and_then(|v| options.iter().find(|(o, _)| o == v).map(|(_, l)| l.clone()))
        .unwrap_or_else(|| "any".into());
    egui::ComboBox::from_label(title).selected_text(shown).show_ui(ui, |ui| {
        ui.selectable_value(value, None, "any");
        for (option, label) in options {
            ui.selectable_value(value, Some(option), label);
        }
    });
}
