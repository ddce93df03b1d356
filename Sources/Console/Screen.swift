import Dashboard
import Foundation

/// Draws the whole console for a model into a canvas: the header, the five panes, the event strip, the
/// prompt line, and any overlay. Below 80×24 it says the terminal is too small instead.
public enum Screen {
    public static let minimumWidth = 80
    public static let minimumHeight = 24

    /// Where each part goes for a width and height.
    public struct Layout: Equatable, Sendable {
        public var header: Rect
        /// Everything between the header and the event strip: the panes, or a view drawn over them.
        public var body: Rect
        public var panes: [Pane: Rect]
        public var events: Rect
        public var prompt: Rect

        public init(width: Int, height: Int) {
            let all = Rect(x: 0, y: 0, width: width, height: height)
            let (headerRect, rest) = all.splitTop(1)
            let (body, bottom) = rest.splitBottom(4)
            let (eventsRect, promptRect) = bottom.splitBottom(1)
            let (trafficRect, grid) = body.splitTop(max(7, body.height * 2 / 5))
            let (upper, lower) = grid.splitTop(grid.height / 2)
            let (blocked, queues) = upper.splitLeft(upper.width / 2)
            let (sagas, recommendations) = lower.splitLeft(lower.width / 2)
            header = headerRect
            self.body = body
            panes = [.traffic: trafficRect, .blocked: blocked, .queues: queues, .sagas: sagas, .recommendations: recommendations]
            events = eventsRect
            prompt = promptRect
        }
    }

    public static func render(_ model: ConsoleModel) -> Canvas {
        var canvas = Canvas(width: model.width, height: model.height, ascii: model.ascii)
        guard model.width >= minimumWidth, model.height >= minimumHeight else {
            let message = "terminal too small: \(model.width)×\(model.height), shopdeck needs at least \(minimumWidth)×\(minimumHeight)"
            for (index, line) in wrap(message, width: max(1, model.width)).enumerated() { canvas.write(line, x: 0, y: index) }
            return canvas
        }
        let layout = Layout(width: model.width, height: model.height)
        drawHeader(model, into: &canvas, layout.header)
        for pane in Pane.allCases {
            guard let area = layout.panes[pane] else { continue }
            drawPane(pane, model, into: &canvas, area)
        }
        // Out of touch with the shop: what is shown is the last it said, greyed.
        if case .disconnected = model.connection {
            for pane in Pane.allCases { if let area = layout.panes[pane] { canvas.fade(area) } }
        }
        drawEvents(model, into: &canvas, layout.events)
        drawPrompt(model, into: &canvas, layout.prompt)
        switch model.mode {
        case .help: Overlays.help(model, into: &canvas)
        case .findings: Overlays.findings(model, into: &canvas)
        case .drops: Overlays.box(title: "Flash sales — Esc to go back", lines: FlashSaleView.lines(model), scroll: model.overlayScroll, into: &canvas)
        case .rules: RulesView.draw(model, into: &canvas, layout.body)
        case .log, .logSearch: LogView.draw(model, into: &canvas)
        case .verdicts: VerdictsView.draw(model, into: &canvas, layout.body)
        case .inspect(let id):
            Overlays.box(title: "Request inspector — b block · a allow · Esc back", lines: VerdictsView.inspectorLines(model, id: id),
                         scroll: model.overlayScroll, into: &canvas)
        case .confirm where model.afterConfirm == .rules: RulesView.draw(model, into: &canvas, layout.body)
        case .detail: Overlays.detail(model, into: &canvas)
        default: break
        }
        if !model.colour { canvas.removeColour() }
        return canvas
    }

    static func drawHeader(_ model: ConsoleModel, into canvas: inout Canvas, _ area: Rect) {
        if case .disconnected(let since, let reason) = model.connection {
            let style = Style(foreground: .white, background: .red, bold: true)
            canvas.fill(area, style: style)
            let shown = model.snapshot.map { " — showing the shop as of \(clock($0.takenAt))" } ?? ""
            let text = " shopdeck — DISCONNECTED since \(clock(since)) UTC, retrying\(shown): \(reason)"
            canvas.write(TextWidth.truncate(text, to: area.width, ascii: model.ascii), x: area.x, y: area.y, style: style, limit: area.width)
            return
        }
        let style = Style(foreground: .black, background: .cyan, bold: true)
        canvas.fill(area, style: style)
        guard let snapshot = model.snapshot else {
            canvas.write(" shopdeck — starting…", x: area.x, y: area.y, style: style, limit: area.width)
            return
        }
        let traffic = snapshot.traffic
        let model_ = model.snapshot!.recommender.modelVersion.map { "v\($0)" } ?? "none"
        let simulator = model.scenario.map { $0 + (model.rate.map { " " + Format.rate($0) + "/s" } ?? "") + (model.paused ? " (paused)" : "") }
        // A drop on sale is news: it goes right after the shop's name, where it is seen.
        let sale = FlashSaleView.headline(snapshot).map { [$0] } ?? []
        let full = ["shopdeck"] + sale + [snapshot.listen ?? "no listener", "up " + Format.age(snapshot.uptimeSeconds),
                                          Format.rate(traffic.currentRate) + " req/s", String(format: "errors %.1f%%", traffic.errorRate * 100),
                                          "WAF blocks \(snapshot.wafBlocksLastMinute)/min", "model " + model_]
            + (simulator.map { ["simulator " + $0] } ?? [])
        let compact = ["shopdeck"] + sale + [snapshot.listen ?? "-", "up " + Format.age(snapshot.uptimeSeconds), Format.rate(traffic.currentRate) + "/s",
                                             String(format: "err %.1f%%", traffic.errorRate * 100), "blk \(snapshot.wafBlocksLastMinute)/m", "model " + model_]
            + (simulator.map { ["sim " + $0] } ?? [])
        let separator = model.ascii ? " | " : " │ "
        let text = " " + full.joined(separator: separator)
        let shown = TextWidth.of(text) <= area.width ? text : " " + compact.joined(separator: "  ")
        // The findings' badge keeps its place at the right; the figures give way before it, with an ellipsis.
        let badge = findingsBadge(snapshot, ascii: model.ascii)
        let room = max(0, area.width - TextWidth.of(badge))
        canvas.write(TextWidth.truncate(shown, to: room, ascii: model.ascii), x: area.x, y: area.y, style: style, limit: room)
        if !badge.isEmpty {
            let critical = snapshot.findings?.contains { $0.kind == .critical } ?? false
            canvas.write(badge, x: area.maxX - TextWidth.of(badge), y: area.y,
                         style: Style(foreground: .black, background: critical ? .red : .yellow, bold: true), limit: TextWidth.of(badge))
        }
    }

    /// ` ⚠ 2 findings ! ` when the status finds something to warn about; empty otherwise.
    static func findingsBadge(_ snapshot: DashboardSnapshot, ascii: Bool) -> String {
        let count = snapshot.findings?.filter { $0.kind == .warning || $0.kind == .critical }.count ?? 0
        guard count > 0 else { return "" }
        return " \(ascii ? "!" : "⚠") \(count) finding\(count == 1 ? "" : "s") (!) "
    }

    static func drawPane(_ pane: Pane, _ model: ConsoleModel, into canvas: inout Canvas, _ area: Rect) {
        let focused = model.focus == pane
        let filter = model.filters[pane].map { " /\($0)" } ?? ""
        let rows = model.rows(pane)
        let sorted = model.sorts[pane].flatMap { sort in
            rows.columns.indices.contains(sort.column) ? " ↕\(rows.columns[sort.column].title)\(sort.descending ? "▼" : "▲")" : nil
        } ?? ""
        // A backend whose figures are partial says so beside the title (the console never shows a gap as zero).
        var note = model.snapshot?.paneNotes?[pane.title].map { (model.ascii ? " - " : " · ") + $0 } ?? ""
        if pane == .blocked, let allowed = model.snapshot?.allowlist?.count, allowed > 0 { note += (model.ascii ? " - " : " · ") + "\(allowed) allowlisted" }
        canvas.box(area, title: "\(pane.rawValue + 1) \(pane.title)\(filter)\(sorted)\(note)", style: focused ? Style(foreground: .cyan, bold: true) : Style(dim: true),
                   titleStyle: focused ? Style(foreground: .cyan, bold: true, reverse: true) : Style(bold: true))
        let inner = area.inset(by: 1)
        guard !inner.isEmpty else { return }
        guard model.snapshot != nil else {
            canvas.write("waiting for the first snapshot…", x: inner.x, y: inner.y, style: Style(dim: true), limit: inner.width)
            return
        }
        ConsolePanes.unit(pane).draw(model, rows, into: &canvas, inner, focused: focused)
    }

    static func drawEvents(_ model: ConsoleModel, into canvas: inout Canvas, _ area: Rect) {
        var lines: [(String, Style)] = []
        for event in model.snapshot?.events.suffix(area.height) ?? [] {
            let style: Style = switch event.kind {
            case .critical: Style(foreground: .red, bold: true)
            case .warning: Style(foreground: .yellow)
            case .audit, .info: .plain
            }
            lines.append(("\(Self.clock(event.at)) \(event.kind.rawValue): \(event.text)", style))
        }
        for note in model.notes { lines.append(("» " + note, Style(foreground: .magenta, bold: true))) }
        for (offset, line) in lines.suffix(area.height).enumerated() {
            canvas.write(TextWidth.truncate(line.0, to: area.width, ascii: model.ascii), x: area.x, y: area.y + offset, style: line.1, limit: area.width)
        }
    }

    static func drawPrompt(_ model: ConsoleModel, into canvas: inout Canvas, _ area: Rect) {
        let cursor = model.ascii ? "_" : "▏"
        let text: String
        var style = Style(reverse: true)
        switch model.mode {
        case .filter(let typed): text = "filter \(model.focus.title): \(typed)\(cursor)   Enter apply · Esc cancel"
        case .logSearch(let typed): text = "search the log: \(typed)\(cursor)   Enter apply · Esc cancel"
        case .command(let typed): text = ":\(typed)\(cursor)   Tab completes · Enter runs · Esc cancels"
        case .blockPrompt(let step, let cidr, _, let typed):
            let question = ["block which address or CIDR", "reason for blocking \(cidr)", "for how long (600, 10m, 2h, 1d; blank: until unblocked)"][min(step, 2)]
            // What the block would cut off, once the dossier of the address has come (issue 21).
            // First, so a narrow terminal cuts the question rather than the figures.
            if step > 0, let detail = model.snapshot?.focused, detail.focus == .client(cidr), let dossier = detail.dossier {
                if dossier.confirmedOrders > 0 { style = Style(foreground: .black, background: .yellow, bold: true) }
                text = "⚠ \(dossier.briefImpact) · \(step == 1 ? "reason for blocking \(cidr)" : "for how long (blank: until unblocked)"): \(typed)\(cursor)"
            } else {
                text = "\(question): \(typed)\(cursor)"
            }
        case .failPrompt(let typed): text = "re-run with a failure at step (\(ConsoleModel.pipelineSteps.joined(separator: ", "))): \(typed)\(cursor)"
        case .confirm(_, let question):
            text = question
            style = Style(foreground: .black, background: .yellow, bold: true)
        default:
            text = model.hintBar(width: area.width)
            style = Style(dim: true)
        }
        canvas.fill(area, style: style)
        canvas.write(TextWidth.truncate(text, to: area.width, ascii: model.ascii), x: area.x, y: area.y, style: style, limit: area.width)
    }

    /// `HH:MM:SS` in UTC.
    static func clock(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970) % 86_400
        return String(format: "%02d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
    }

    /// `text` in lines of at most `width` columns, broken between words where it can be (a word longer than a
    /// line is broken where it must).
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = [], current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false).map(String.init) {
            let joined = current.isEmpty ? word : current + " " + word
            if TextWidth.of(joined) <= width {
                current = joined
                continue
            }
            if !current.isEmpty { lines.append(current) }
            current = ""
            for character in word {
                if TextWidth.of(current + String(character)) > width {
                    lines.append(current)
                    current = ""
                }
                current.append(character)
            }
        }
        return lines + [current]
    }
}

extension Canvas {
    /// Every cell without colours (`NO_COLOR`), attributes kept.
    mutating func removeColour() {
        for y in 0..<height { for x in 0..<width { self[x, y].style = self[x, y].style.colourless } }
    }
}
