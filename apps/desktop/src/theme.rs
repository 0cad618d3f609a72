//! Colours and the small pieces every panel draws the same way: risk levels, states,
//! problems, copyable command lines.

use cloudops_domain::RiskLevel;
use egui::Color32;

use crate::problem::Problem;

pub const WARNING: Color32 = Color32::from_rgb(0xd9, 0x8c, 0x1f);
pub const ERROR: Color32 = Color32::from_rgb(0xd6, 0x45, 0x45);
pub const OK: Color32 = Color32::from_rgb(0x3f, 0xa3, 0x5b);

pub fn risk_colour(level: RiskLevel) -> Color32 {
    match level {
        RiskLevel::Low => OK,
        RiskLevel::Medium => Color32::from_rgb(0xc9, 0xa2, 0x27),
        RiskLevel::High => WARNING,
        RiskLevel::Critical => ERROR,
    }
}

pub fn risk_name(level: RiskLevel) -> &'static str {
    match level {
        RiskLevel::Low => "LOW",
        RiskLevel::Medium => "MEDIUM",
        RiskLevel::High => "HIGH",
        RiskLevel::Critical => "CRITICAL",
    }
}

/// A problem as one red line (selectable, so it can be copied).
pub fn problem(ui: &mut egui::Ui, problem: &Problem) {
    ui.add(egui::Label::new(egui::RichText::new(format!("Error: {}", problem.text)).color(ERROR)).wrap());
}

/// A text field after its label, which is its accessible name (how a screen reader — and the
/// UI tests — find it). `field` is made once the label is placed, so it can size itself to the
/// room left.
pub fn labelled<'t>(
    ui: &mut egui::Ui,
    label: &str,
    field: impl FnOnce(&egui::Ui) -> egui::TextEdit<'t>,
) -> egui::Response {
    let label = ui.label(label);
    let field = field(ui);
    ui.add(field).labelled_by(label.id)
}

/// A command line in monospace with a Copy button.
pub fn command_line(ui: &mut egui::Ui, line: &str, label: &str) {
    ui.horizontal_wrapped(|ui| {
        if ui.small_button("Copy").on_hover_text(format!("copy {label}")).clicked() {
            ui.ctx().copy_text(line.to_owned());
        }
        ui.add(egui::Label::new(egui::RichText::new(line).monospace()).wrap());
    });
}

/// "3 s", "2 min", "1 h" ago.
pub fn ago(at: chrono::DateTime<chrono::Utc>, now: chrono::DateTime<chrono::Utc>) -> String {
    let secs = (now - at).num_seconds().max(0);
    match secs {
        0..60 => format!("{secs} s ago"),
        60..3600 => format!("{} min ago", secs / 60),
        3600..86_400 => format!("{} h ago", secs / 3600),
        _ => format!("{} d ago", secs / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ago_says_the_largest_unit() {
        let now = chrono::Utc::now();
        assert_eq!(ago(now - chrono::Duration::seconds(5), now), "5 s ago");
        assert_eq!(ago(now - chrono::Duration::minutes(3), now), "3 min ago");
        assert_eq!(ago(now - chrono::Duration::hours(2), now), "2 h ago");
        assert_eq!(ago(now + chrono::Duration::hours(2), now), "0 s ago", "a clock ahead is not negative");
    }
}
