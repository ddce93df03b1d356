import Dashboard
import Foundation

/// The WAF rules view (`w`), after AWS WAF's traffic overview: every rule in evaluation order with its action,
/// matches in the last minute and since the start, an hour of matches per minute as a sparkline, and what it
/// looks at (a rate rule's limit, the fields a detector matched in). `a` switches the selected rule between
/// block, count and off after a y/n — the action was in the core, and no key reached it (issue 21).
enum RulesView {
    /// The order `a` steps through.
    static let actions = ["block", "count", "off"]

    static let columns: [Table.Column] = [.init("rule", width: 15), .init("action", width: 6), .init("/min", width: 5, rightAligned: true),
                                          .init("total", width: 7, rightAligned: true), .init("last hour", minimumWidth: 12),
                                          .init("looks at", optional: true)]
    /// Where the sparkline is among `columns`.
    static let sparkColumn = 4

    /// The rules as table rows, each hour drawn `sparkWidth` columns wide (the newest minutes at the right).
    static func rows(_ snapshot: DashboardSnapshot?, ascii: Bool, sparkWidth: Int = 60) -> PaneRows {
        let rules = snapshot?.rules ?? []
        var rows = PaneRows(columns: columns,
                            cells: rules.map { rule in
                                [rule.name, rule.action, "\(lastWholeMinute(rule.perMinute))", "\(rule.matched)",
                                 Sparkline.render(rule.perMinute.map(Double.init), width: sparkWidth, ascii: ascii), looksAt(rule)]
                            }, keys: rules.map(\.name))
        for (index, rule) in rules.enumerated() {
            switch rule.action {
            case "count": rows.styles[index] = Style(foreground: .yellow)
            case "off": rows.styles[index] = Style(dim: true)
            default: break
            }
        }
        return rows
    }

    /// Matches in the last whole minute (the current one is still filling).
    static func lastWholeMinute(_ perMinute: [Int]) -> Int {
        perMinute.count >= 2 ? perMinute[perMinute.count - 2] : 0
    }

    /// A rate rule's limit, a detector's most matched fields.
    static func looksAt(_ rule: DashboardSnapshot.RuleRow) -> String {
        if let limit = rule.limit, let window = rule.windowSeconds { return "\(limit) requests / \(window) s per address" }
        return rule.topFields.map { "\($0.name) \($0.count)" }.joined(separator: " · ")
    }

    /// The view over the panes: the rules as a table with the selection, and what the keys do.
    static func draw(_ model: ConsoleModel, into canvas: inout Canvas, _ area: Rect) {
        canvas.fill(area)
        canvas.box(area, title: "WAF rules — a block/count/off · j/k move · Esc back", style: Style(foreground: .cyan, bold: true),
                   titleStyle: Style(foreground: .cyan, bold: true, reverse: true))
        let inner = area.inset(by: 1)
        guard !inner.isEmpty else { return }
        // The sparkline is drawn as wide as its column turns out, so a cut never drops the latest minutes.
        let layout = Table(columns: columns, rows: [])
        let shown = layout.shownColumns(for: inner.width)
        let sparkWidth = shown.firstIndex(of: sparkColumn).map { layout.widths(for: inner.width, shown: shown)[$0] } ?? 12
        let rows = rows(model.snapshot, ascii: model.ascii, sparkWidth: sparkWidth)
        var table = Table(columns: rows.columns, rows: rows.cells, selected: rows.cells.isEmpty ? nil : min(model.ruleSelection, rows.cells.count - 1))
        table.rowStyles = rows.styles
        table.emptyText = model.snapshot == nil ? "waiting for the first snapshot…" : "this shop reports no rules (an older version)"
        table.draw(into: &canvas, inner, focused: true)
    }

    /// The rule selected in the view, if any.
    static func selected(_ model: ConsoleModel) -> DashboardSnapshot.RuleRow? {
        guard let rules = model.snapshot?.rules, !rules.isEmpty else { return nil }
        return rules[min(max(0, model.ruleSelection), rules.count - 1)]
    }

    /// The next action for `rule` and the question that confirms it.
    static func nextAction(for rule: DashboardSnapshot.RuleRow) -> (action: String, question: String) {
        let next = actions[((actions.firstIndex(of: rule.action) ?? -1) + 1) % actions.count]
        let effect = switch next {
        case "block": "matching requests are refused"
        case "count": "matching requests are logged and let through"
        default: "the rule stops looking"
        }
        return (next, "set \(rule.name) to \(next): \(effect)? (y/n)")
    }
}
