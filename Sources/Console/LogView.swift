import Dashboard
import Foundation

/// The log view (`l`), after k9s's `l` with `/`: the audit trail (who did what, and how it ended) and the
/// lines the shop logged about itself, newest first, searched with `/`. The shop sends the lines for the
/// search only while the view is open (`DashboardFocus.log`).
enum LogView {
    static func lines(_ model: ConsoleModel) -> [String] {
        let header = model.logSearch.isEmpty ? "newest first · / searches" : "containing \"\(model.logSearch)\" · newest first · / searches"
        return [header, ""] + Overlays.focused(model, .log(model.logSearch)) { detail in
            detail.log.isEmpty ? ["  nothing" + (model.logSearch.isEmpty ? " yet" : " contains \"\(model.logSearch)\"")] : detail.log.map { row in
                "\(Screen.clock(row.at)) \(row.kind.padding(toLength: 7, withPad: " ", startingAt: 0)) "
                    + "\(TextWidth.fit(row.actor, to: 12, ascii: model.ascii)) \(Overlays.oneLine(row.text))"
            }
        }
    }

    static func draw(_ model: ConsoleModel, into canvas: inout Canvas) {
        Overlays.box(title: "Log — audit trail and the shop's lines — Esc to go back", lines: lines(model), scroll: model.overlayScroll, into: &canvas)
    }
}
