import Dashboard
import Foundation

/// The boxes drawn over the panes: the help listing every key, and the detail of a selected row.
enum Overlays {
    /// The open overlay's lines (none outside help, findings and detail).
    static func lines(_ model: ConsoleModel) -> [String] {
        switch model.mode {
        case .help: model.helpLines
        case .findings: findingLines(model)
        case .drops: FlashSaleView.lines(model)
        case .log, .logSearch: LogView.lines(model)
        case .detail: detailLines(model)
        case .inspect(let id): VerdictsView.inspectorLines(model, id: id)
        default: []
        }
    }

    /// The furthest the open overlay scrolls: its last line at the bottom of the box.
    static func maximumScroll(_ model: ConsoleModel) -> Int {
        max(0, lines(model).count - (model.height - 4))
    }

    static func help(_ model: ConsoleModel, into canvas: inout Canvas) {
        box(title: "Keys — Esc to go back", lines: model.helpLines, scroll: model.overlayScroll, into: &canvas)
    }

    /// The status's findings, worst first, each once: the place of their own the event strip was not.
    static func findings(_ model: ConsoleModel, into canvas: inout Canvas) {
        box(title: "Findings — Esc to go back", lines: findingLines(model), scroll: model.overlayScroll, into: &canvas)
    }

    static func findingLines(_ model: ConsoleModel) -> [String] {
        let rank: [DashboardSnapshot.EventLine.Kind: Int] = [.critical: 0, .warning: 1, .info: 2, .audit: 3]
        let findings = (model.snapshot?.findings ?? []).sorted { rank[$0.kind, default: 3] < rank[$1.kind, default: 3] }
        guard !findings.isEmpty else { return ["the shop's status finds nothing to report"] }
        return findings.flatMap { finding in
            Screen.wrap("\(finding.kind.rawValue): \(finding.text)", width: max(20, min(model.width, 120) - 8)) + [""]
        }
    }

    static func detail(_ model: ConsoleModel, into canvas: inout Canvas) {
        box(title: "\(model.focus.title) — Esc to go back", lines: detailLines(model), scroll: model.overlayScroll, into: &canvas)
    }

    static func detailLines(_ model: ConsoleModel) -> [String] {
        guard let snapshot = model.snapshot else { return ["no data"] }
        guard case .detail(let key) = model.mode else { return ["nothing selected"] }
        return ConsolePanes.unit(model.focus).detailLines(model, snapshot, key: key)
    }

    /// A client's latest requests and WAF verdicts (for Traffic and Blocked IPs).
    static func clientActivity(_ model: ConsoleModel, _ key: String) -> [String] {
        // Both lists share the box's height, so the verdicts stay in view below a busy client's requests.
        let room = max(4, model.height - 2 - 2 - 10)
        return focused(model, .client(key)) { detail in
            let requests = detail.requests.isEmpty ? ["  none in the last 2,048 requests"] : detail.requests.prefix(room / 2).map { request in
                "  \(Screen.clock(request.at)) \(request.status) \(request.method) \(request.route ?? "(no route)") "
                    + Format.milliseconds(request.microseconds) + (request.peer == key ? "" : "  from \(request.peer)")
            }
            let verdicts = detail.verdicts.isEmpty ? ["  none"] : detail.verdicts.prefix(room - room / 2).map { verdict -> String in
                let head = "  \(Screen.clock(verdict.at)) \(verdict.rule) \(verdict.action) \(verdict.method) \(oneLine(verdict.path))"
                let repeats = verdict.repeats > 0 ? " (+\(verdict.repeats))" : ""
                return head + repeats + " — \(oneLine(verdict.detail))"
            }
            // What a block would cut off first, the accounts behind it after what it sent (the box scrolls).
            let impact = detail.dossier.map { Screen.wrap("impact: " + $0.impact, width: max(20, min(model.width, 120) - 8)) + [""] } ?? []
            return impact + ["latest requests:"] + requests + ["", "WAF verdicts" + (detail.verdicts.first?.id == nil ? ":" : " (i inspects the latest request):")] + verdicts + accountLines(detail.dossier)
        }
    }

    /// The accounts seen from an address, most active first, with their sign-ins, orders and drop entries.
    static func accountLines(_ dossier: Dossier?) -> [String] {
        guard let dossier, !dossier.accounts.isEmpty else { return [] }
        func right(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: " ", count: max(0, width - text.count)) + text
        }
        let header = "  account                 sign-ins fail orders conf     revenue drops"
        let rows = dossier.accounts.map { account -> String in
            let name = TextWidth.truncateMiddle(account.account, to: 22)
            let revenue = account.revenue > 0 ? Dossier.money(account.revenue) : "-"
            return "  " + name + String(repeating: " ", count: max(0, 22 - TextWidth.of(name))) + right(account.signIns, 10) + right(account.failedSignIns, 5)
                + right(account.orders, 7) + right(account.confirmedOrders, 5) + String(repeating: " ", count: max(1, 12 - revenue.count)) + revenue
                + right(account.dropEntries, 6)
        }
        let more = dossier.accountCount > dossier.accounts.count ? ["  … and \(dossier.accountCount - dossier.accounts.count) more accounts"] : []
        return ["", "accounts seen from it in the last hour:", header] + rows + more
    }

    /// The focused rows for `focus` once the snapshot carries them; a placeholder until then.
    static func focused(_ model: ConsoleModel, _ focus: DashboardFocus, _ lines: (FocusedDetail) -> [String]) -> [String] {
        guard let detail = model.snapshot?.focused, detail.focus == focus else { return ["  loading…"] }
        if let problem = detail.problem { return ["  " + problem] }
        return lines(detail)
    }

    /// Text on one line, control characters shown as spaces, at most 120 characters.
    static func oneLine(_ text: String) -> String {
        String(String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) }).prefix(120))
    }

    /// A centred box of `lines`, scrolled down by `scroll` lines (clamped) when they do not all fit; the bottom
    /// border then says which lines show and which way there are more (the help was cut at 80×24; issue 21).
    static func box(title: String, lines: [String], scroll: Int = 0, into canvas: inout Canvas) {
        let width = min(canvas.width - 4, max(TextWidth.of(title) + 6, (lines.map { TextWidth.of($0) }.max() ?? 0) + 4))
        let height = min(canvas.height - 2, lines.count + 2)
        let area = Rect(x: (canvas.width - width) / 2, y: (canvas.height - height) / 2, width: width, height: height)
        canvas.fill(area)
        canvas.box(area, title: title, style: Style(foreground: .cyan, bold: true))
        let room = height - 2
        let first = min(max(0, scroll), max(0, lines.count - room))
        for (index, line) in lines.dropFirst(first).prefix(room).enumerated() {
            canvas.write(TextWidth.truncate(line, to: width - 4, ascii: canvas.ascii), x: area.x + 2, y: area.y + 1 + index, limit: width - 4)
        }
        guard lines.count > room else { return }
        let arrows = (first > 0 ? (canvas.ascii ? "^" : "↑") : "") + (first + room < lines.count ? (canvas.ascii ? "v" : "↓") : "")
        let label = " \(first + 1)–\(first + room) of \(lines.count) \(arrows) j/k "
        let labelWidth = TextWidth.of(label)
        guard labelWidth < width - 2 else { return }
        canvas.write(label, x: area.maxX - 1 - labelWidth, y: area.maxY - 1, style: Style(foreground: .cyan, bold: true), limit: labelWidth)
    }
}
