import Dashboard
import Foundation

/// The WAF rules view (`w`), after AWS WAF's traffic overview: every rule in evaluation order with its action,
/// matches in the last minute and since the start, an hour of matches per minute as a sparkline, and what it
/// looks at (a rate rule's limit, the fields a detector matched in). `a` switches the selected rule between
/// block, count and off after a y/n — the action was in the core, and no key reached it (issue 21); `+`/`-`
/// loosen or tighten a rate rule's limit. Before either is confirmed, the view shows what the change would have
/// done to recent traffic and to which paying customers (the false-positive preview).
enum RulesView {
    /// The order `a` steps through.
    static let actions = ["block", "count", "off"]

    /// The columns, the count and the sparkline over `window` (since the start and the last hour for the minute).
    static func columns(_ window: TrafficWindow) -> [Table.Column] {
        [.init("rule", width: 15), .init("action", width: 6), .init("/min", width: 5, rightAligned: true),
         .init(window == .minute ? "total" : window.label, width: 7, rightAligned: true),
         .init(window == .minute ? "last hour" : "last " + window.label, minimumWidth: 12), .init("looks at", optional: true)]
    }

    /// A rule's matches over `window`, oldest first: per minute up to an hour, per ten minutes for a day.
    static func series(_ rule: DashboardSnapshot.RuleRow, _ window: TrafficWindow) -> [Int] {
        switch window {
        case .minute, .hour: rule.perMinute
        case .fiveMinutes: Array(rule.perMinute.suffix(5))
        case .day: rule.perTenMinutes ?? []
        }
    }
    /// Where the sparkline is among `columns`.
    static let sparkColumn = 4

    /// The rules as table rows, each hour drawn `sparkWidth` columns wide (the newest minutes at the right).
    static func rows(_ snapshot: DashboardSnapshot?, ascii: Bool, sparkWidth: Int = 60, window: TrafficWindow = .minute) -> PaneRows {
        let rules = snapshot?.rules ?? []
        var rows = PaneRows(columns: columns(window),
                            cells: rules.map { rule in
                                let series = series(rule, window)
                                return [rule.name, rule.action, "\(lastWholeMinute(rule.perMinute))", "\(window == .minute ? rule.matched : series.reduce(0, +))",
                                        Sparkline.render(series.map(Double.init), width: sparkWidth, ascii: ascii), looksAt(rule)]
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
        let inner = canvas.view(area, title: "WAF rules — a block/count/off · +/- limit · j/k move · Esc back")
        guard !inner.isEmpty else { return }
        // The sparkline is drawn as wide as its column turns out, so a cut never drops the latest minutes.
        let layout = Table(columns: columns(model.window), rows: [])
        let shown = layout.shownColumns(for: inner.width)
        let sparkWidth = shown.firstIndex(of: sparkColumn).map { layout.widths(for: inner.width, shown: shown)[$0] } ?? 12
        let rows = rows(model.snapshot, ascii: model.ascii, sparkWidth: sparkWidth, window: model.window)
        var table = Table(columns: rows.columns, rows: rows.cells, selected: rows.cells.isEmpty ? nil : min(model.ruleSelection, rows.cells.count - 1))
        table.rowStyles = rows.styles
        table.emptyText = model.snapshot == nil ? "waiting for the first snapshot…" : "this shop reports no rules (an older version)"
        // A pending change's preview takes the bottom of the view, under the rules.
        let preview = previewLines(model, width: inner.width)
        let tableArea = Rect(x: inner.x, y: inner.y, width: inner.width, height: max(1, inner.height - (preview.isEmpty ? 0 : preview.count + 1)))
        table.draw(into: &canvas, tableArea, focused: true)
        for (offset, line) in preview.enumerated() where tableArea.maxY + 1 + offset < inner.maxY {
            canvas.write(TextWidth.truncate(line, to: inner.width, ascii: model.ascii), x: inner.x, y: tableArea.maxY + 1 + offset,
                         style: Style(foreground: .yellow, bold: offset == 0), limit: inner.width)
        }
    }

    /// The rule selected in the view, if any.
    static func selected(_ model: ConsoleModel) -> DashboardSnapshot.RuleRow? {
        guard let rules = model.snapshot?.rules, !rules.isEmpty else { return nil }
        return rules[min(max(0, model.ruleSelection), rules.count - 1)]
    }

    /// A rate rule's limit a quarter looser (`+`) or a fifth tighter (`-`), and the question that confirms it;
    /// nil for a rule without a limit.
    static func limitChange(for rule: DashboardSnapshot.RuleRow, tighter: Bool) -> (limit: Int, question: String)? {
        guard let limit = rule.limit, let window = rule.windowSeconds else { return nil }
        let proposed = max(1, min(1_000_000, tighter ? Int((Double(limit) * 0.8).rounded(.down)) : Int((Double(limit) * 1.25).rounded(.up))))
        return (proposed, "set \(rule.name)'s limit from \(limit) to \(proposed) requests / \(window) s per address? (y/n)")
    }

    /// While a change to a rule waits for its y/n: what it would have done to recent traffic, once the shop
    /// has replayed it (`DashboardFocus.rulePreview`).
    static func previewLines(_ model: ConsoleModel, width: Int) -> [String] {
        guard case .confirm(.setRule(let name, let action, let limit, _, _), _) = model.mode,
              let detail = model.snapshot?.focused, detail.focus == .rulePreview(rule: name, action: action, limit: limit) else { return [] }
        guard let preview = detail.preview else { return detail.problem.map { ["preview: \($0)"] } ?? [] }
        // Whom a change would shut out matters; whom it would let through is the attack it would stop seeing.
        let paying = preview.effect != .refused ? [] : preview.paying.prefix(5).map { address in
            "  \(address.address): \(address.confirmedOrders) confirmed order\(address.confirmedOrders == 1 ? "" : "s") from "
                + address.payingAccounts.prefix(3).joined(separator: ", ") + " · \(address.requests) request\(address.requests == 1 ? "" : "s") affected"
        }
        return Screen.wrap("preview: " + preview.summary, width: width) + paying
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
