import Dashboard
import Foundation

/// The verdicts view (`v`) and the request inspector (Enter on a verdict, or `i` in a client's detail), after
/// Cloudflare's security events: the WAF's latest verdicts newest first, and one of them with the whole
/// request as the WAF saw it — target, headers, body — the field that matched and its decoded value, and
/// `b` / `a` to block or allowlist the client from there. The shop sends the list only while the view is open
/// (`DashboardFocus.verdicts`) and one request only while it is inspected (`DashboardFocus.verdict`).
enum VerdictsView {
    static let columns: [Table.Column] = [.init("time", width: 8), .init("client", width: 15), .init("rule", width: 10), .init("action", width: 6),
                                          .init("request", minimumWidth: 16), .init("why", optional: true)]

    /// The verdicts the last snapshot carried for the view, newest first.
    static func verdicts(_ model: ConsoleModel) -> [FocusedDetail.VerdictRow] {
        guard let detail = model.snapshot?.focused, detail.focus == .verdicts else { return [] }
        return detail.verdicts
    }

    static func rows(_ model: ConsoleModel) -> PaneRows {
        let verdicts = verdicts(model)
        var rows = PaneRows(columns: columns, cells: verdicts.map { verdict in
            [Screen.clock(verdict.at), verdict.clientIP, verdict.rule, verdict.action,
             "\(verdict.method) \(Overlays.oneLine(verdict.path))" + (verdict.repeats > 0 ? " (+\(verdict.repeats))" : ""), Overlays.oneLine(verdict.detail)]
        }, keys: verdicts.map { $0.id.map(String.init) ?? "" })
        for (index, verdict) in verdicts.enumerated() where verdict.action == "count" { rows.styles[index] = Style(foreground: .yellow) }
        return rows
    }

    static func draw(_ model: ConsoleModel, into canvas: inout Canvas, _ area: Rect) {
        let inner = canvas.view(area, title: "WAF verdicts, newest first — Enter inspects · j/k move · Esc back")
        guard !inner.isEmpty else { return }
        let rows = rows(model)
        var table = Table(columns: rows.columns, rows: rows.cells, selected: rows.cells.isEmpty ? nil : min(model.verdictSelection, rows.cells.count - 1))
        table.rowStyles = rows.styles
        let loaded = model.snapshot?.focused?.focus == .verdicts
        table.emptyText = loaded ? "no verdict yet: nothing was blocked or counted" : "loading…"
        table.draw(into: &canvas, inner, focused: true)
    }

    /// The verdict selected in the list, if it can be inspected.
    static func selectedID(_ model: ConsoleModel) -> UInt64? {
        let verdicts = verdicts(model)
        guard !verdicts.isEmpty else { return nil }
        return verdicts[min(max(0, model.verdictSelection), verdicts.count - 1)].id
    }

    /// The inspector: the verdict, what matched, then the request as the WAF saw it.
    static func inspectorLines(_ model: ConsoleModel, id: UInt64) -> [String] {
        let width = max(20, min(model.width, 120) - 8)
        return Overlays.focused(model, .verdict(id)) { detail in
            guard let inspected = detail.inspected else { return ["  not in the log"] }
            let verdict = inspected.verdict
            var lines = ["verdict   #\(id) at \(Screen.clock(verdict.at)) UTC: \(verdict.rule) \(verdict.action)"
                            + (verdict.repeats > 0 ? " (and \(verdict.repeats) like it)" : ""),
                         "client    \(verdict.clientIP)"]
            lines += Screen.wrap("why       \(Overlays.oneLine(verdict.detail))", width: width)
            if let field = inspected.field {
                lines.append("matched   \(field)" + (inspected.shape.map { " · \($0)" } ?? ""))
                lines += Screen.wrap("decoded   \(Overlays.oneLine(inspected.excerpt ?? ""))", width: width)
            }
            lines += [""] + Screen.wrap("\(verdict.method) \(Overlays.oneLine(inspected.target))", width: width)
            lines += inspected.headers.map { pair in "  \(pair.first ?? ""): \(Overlays.oneLine(pair.dropFirst().first ?? ""))" }
            if inspected.headerCount > inspected.headers.count { lines.append("  … \(inspected.headerCount - inspected.headers.count) more headers") }
            lines += ["", "body (\(inspected.bodyBytes) bytes\(inspected.bodyBytes > inspected.body.utf8.count ? ", the first \(inspected.body.utf8.count) shown" : ""))"]
            lines += inspected.body.split(separator: "\n", omittingEmptySubsequences: false).prefix(40).flatMap { Screen.wrap("  " + Overlays.oneLine(String($0)), width: width) }
            return lines + ["", "b blocks \(verdict.clientIP) · a allowlists it · Esc back to the verdicts"]
        }
    }

    /// The inspected verdict's client, once its request has come.
    static func inspectedClient(_ model: ConsoleModel, id: UInt64) -> String? {
        guard let detail = model.snapshot?.focused, detail.focus == .verdict(id) else { return nil }
        return detail.inspected?.verdict.clientIP
    }
}
