//! The message box: Enter sends; resource names autocomplete from the lookup's suggest (the
//! last word typed, Tab accepts, ↑/↓ choose).

use cloudops_app::Client;
use cloudops_domain::Resource;

use super::Msg;
use crate::app::Msg as AppMsg;
use crate::problem::Problem;
use crate::tasks::Tasks;
use crate::theme;

const SUGGESTIONS: usize = 8;

/// One completion: the text that replaces the last word, and where the resource is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub text: String,
    pub detail: String,
}

impl Completion {
    pub fn of(text: String, r: &Resource) -> Self {
        let account = r.account_alias.clone().unwrap_or_else(|| r.account_id.to_string());
        Self { text, detail: format!("{} · {account} · {}", r.kind, r.region) }
    }
}

#[derive(Debug, Default)]
pub struct Composer {
    pub text: String,
    pub completions: Vec<Completion>,
    selected: usize,
    /// The prefix the last suggest was asked for.
    asked: String,
    focus: bool,
}

/// The word being typed (after the last space), if it is long enough to complete.
pub fn last_word(text: &str) -> Option<&str> {
    if text.ends_with(char::is_whitespace) {
        return None;
    }
    let word = text.rsplit(char::is_whitespace).next()?;
    (word.chars().count() >= 2).then_some(word)
}

/// `text` with its last word replaced by `completion` and a space.
pub fn complete(text: &str, completion: &str) -> String {
    let keep = text.rfind(char::is_whitespace).map(|i| i + 1).unwrap_or(0);
    format!("{}{completion} ", &text[..keep])
}

impl Composer {
    pub fn prefill(&mut self, text: String) {
        self.text = text;
        self.completions.clear();
        self.focus = true;
    }

    pub fn focus(&mut self) {
        self.focus = true;
    }

    pub fn on_suggestions(&mut self, prefix: &str, found: Result<Vec<Completion>, Problem>) {
        if last_word(&self.text) != Some(prefix) {
            return; // typed on since
        }
        self.completions = found.unwrap_or_default();
        self.completions.retain(|c| c.text != prefix);
        self.selected = 0;
    }

    fn ask(&mut self, client: &Client, tasks: &Tasks) {
        let Some(word) = last_word(&self.text) else {
            self.completions.clear();
            self.asked.clear();
            return;
        };
        if word == self.asked {
            return;
        }
        self.asked = word.to_owned();
        let (client, prefix) = (client.clone(), word.to_owned());
        tasks.spawn(async move {
            let found = client.suggest(&prefix, SUGGESTIONS).await.map_err(Problem::from);
            let found = found.map(|list| list.into_iter().map(|(s, r)| Completion::of(s.text, &r)).collect());
            AppMsg::Chat(Msg::Suggestions { prefix, found })
        });
    }

    /// Draws the box; answers the text when it is sent.
    pub fn ui(&mut self, ui: &mut egui::Ui, client: &Client, tasks: &Tasks) -> Option<String> {
        let id = egui::Id::unique("chat-message-box");
        let focused = ui.memory(|m| m.has_focus(id));
        if focused && !self.completions.is_empty() {
            let (tab, down, up, esc) = ui.input_mut(|i| {
                (
                    i.consume_key(egui::Modifiers::NONE, egui::Key::Tab),
                    i.consume_key(egui::Modifiers::NONE, egui::Key::ArrowDown),
                    i.consume_key(egui::Modifiers::NONE, egui::Key::ArrowUp),
                    i.consume_key(egui::Modifiers::NONE, egui::Key::Escape),
                )
            });
            if down {
                self.selected = (self.selected + 1) % self.completions.len();
            }
            if up {
                self.selected = (self.selected + self.completions.len() - 1) % self.completions.len();
            }
            if tab {
                self.accept(self.selected);
            }
            if esc {
                self.completions.clear();
            }
        }
        let mut sent = None;
        if !self.completions.is_empty() {
            let mut picked = None;
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                ui.weak("Tab completes, Up/Down choose");
                for (n, c) in self.completions.iter().enumerate() {
                    let label = format!("{}   {}", c.text, c.detail);
                    if ui.selectable_label(n == self.selected, label).clicked() {
                        picked = Some(n);
                    }
                }
            });
            if let Some(n) = picked {
                self.accept(n);
            }
        }
        ui.horizontal(|ui| {
            let response = theme::labelled(ui, "Message:", |ui| {
                egui::TextEdit::singleline(&mut self.text)
                    .id(id)
                    .hint_text("e.g. stop pg-instance-main1")
                    .desired_width(ui.available_width() - 70.0)
            });
            if self.focus {
                response.request_focus();
                self.focus = false;
            }
            if response.changed() {
                self.ask(client, tasks);
            }
            let enter = response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if (ui.button("Send").clicked() || enter) && !self.text.trim().is_empty() {
                sent = Some(std::mem::take(&mut self.text).trim().to_owned());
                self.completions.clear();
                self.asked.clear();
                response.request_focus();
            }
        });
        sent
    }

    fn accept(&mut self, n: usize) {
        if let Some(c) = self.completions.get(n) {
            self.text = complete(&self.text, &c.text);
            self.completions.clear();
            self.focus = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_word_completes_and_is_replaced() {
        assert_eq!(last_word("stop pg-inst"), Some("pg-inst"));
        assert_eq!(last_word("stop p"), None, "one letter is too short");
        assert_eq!(last_word("stop "), None, "a space ends the word");
        assert_eq!(complete("stop pg-inst", "pg-instance-main1"), "stop pg-instance-main1 ");
        assert_eq!(complete("pg", "pg-instance-main1"), "pg-instance-main1 ");
        assert_eq!(complete("stop  the pé", "péché"), "stop  the péché ", "multi-byte words");
    }
}
