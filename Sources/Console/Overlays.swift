import Dashboard
import Foundation

/// The boxes drawn over the panes: the help listing every key, and the detail of a selected row.
enum Overlays {
    static func help(_ model: ConsoleModel, into canvas: inout Canvas) {
        box(title: "Keys", lines: model.helpLines, into: &canvas)
    }

    static func detail(_ model: ConsoleModel, into canvas: inout Canvas) {
        box(title: "\(model.focus.title) — Esc to go back", lines: detailLines(model), into: &canvas)
    }

    static func detailLines(_ model: ConsoleModel) -> [String] {
        guard let snapshot = model.snapshot else { return ["no data"] }
        let rows = PaneRows.of(model.focus, snapshot, filter: model.filters[model.focus])
        guard rows.keys.indices.contains(model.selectedRow) else { return ["nothing selected"] }
        let key = rows.keys[model.selectedRow]
        switch model.focus {
        case .blocked:
            guard let block = snapshot.blocked.first(where: { $0.cidr == key }) else { return [] }
            return ["address   \(block.cidr)", "source    \(block.source)", "reason    \(block.reason)", "hits      \(block.hits)",
                    "since     \(Screen.clock(block.since)) UTC", "expires   \(block.expires.map { Screen.clock($0) + " UTC" } ?? "never")",
                    "u unblocks it (after a y/n)", ""] + clientActivity(model, key)
        case .queues:
            guard let queue = snapshot.queues.first(where: { $0.name == key }) else { return [] }
            return ["queue       \(queue.name) (\(queue.isFIFO ? "FIFO" : "standard"))", "visible     \(queue.visible)",
                    "in flight   \(queue.inFlight)", "delayed     \(queue.delayed)",
                    "dead letters \(queue.deadLetterQueue.map { "\(queue.deadLettered) in \($0)" } ?? "no dead-letter queue")",
                    "oldest      \(Format.age(queue.oldestAgeSeconds))", String(format: "rates       %.1f sent/s, %.1f received/s", queue.sentPerSecond, queue.receivedPerSecond),
                    "", "oldest messages (age, state, receives, group, body):"] + focused(model, .queue(key)) { detail in
                        detail.messages.isEmpty ? ["  none"] : detail.messages.map { message in
                            "  \(Format.age(snapshot.takenAt.timeIntervalSince(message.sentAt)).padding(toLength: 4, withPad: " ", startingAt: 0)) "
                                + "\(message.state.padding(toLength: 9, withPad: " ", startingAt: 0)) \(message.receiveCount)× "
                                + "\(message.groupID.map { $0 + " " } ?? "")\(oneLine(message.body))"
                        }
                    }
        case .sagas:
            guard let run = snapshot.runs.first(where: { $0.runID == key }) else { return [] }
            return ["run       \(run.runID)", "pipeline  \(run.pipeline)", "state     \(run.state.rawValue)",
                    "started   \(Screen.clock(run.startedAt)) UTC", ""] + run.steps.map { "  \($0.state.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \($0.name)" }
                + (run.error.map { ["", "error: \($0)"] } ?? [])
        case .traffic:
            let count = snapshot.traffic.topClients.first { $0.name == key }?.count ?? 0
            let block = snapshot.blocked.first { $0.cidr.hasPrefix(key + "/") }
            return ["client    \(key)", "requests  \(count) in the last minute or two",
                    "blocked   \(block.map { "yes (\($0.source)): \($0.reason)" } ?? "no")", "b blocks it", ""]
                + clientActivity(model, key)
        case .recommendations:
            let product = snapshot.recommender.topSellers.first { $0.productId == key }
            return ["product   \(key)", "name      \(product?.name ?? "")", "buyers    \(Int(product?.value ?? 0))", "", "bought together:"]
                + focused(model, .product(key)) { detail in
                    detail.boughtTogether.isEmpty ? ["  nothing yet (no model, or never bought with others)"]
                        : detail.boughtTogether.map { String(format: "  %.2f  ", $0.value) + $0.name }
                }
        }
    }

    /// A client's latest requests and WAF verdicts (for Traffic and Blocked IPs).
    static func clientActivity(_ model: ConsoleModel, _ key: String) -> [String] {
        // Both lists share the box's height, so the verdicts stay in view below a busy client's requests.
        let room = max(4, model.height - 2 - 2 - 10)
        return focused(model, .client(key)) { detail in
            let requests = detail.requests.isEmpty ? ["  none in the last 2,048 requests"] : detail.requests.prefix(room / 2).map { request in
                "  \(Screen.clock(request.at)) \(request.status) \(request.method) \(request.route ?? "(no route)") "
                    + Panes.milliseconds(request.microseconds) + (request.peer == key ? "" : "  from \(request.peer)")
            }
            let verdicts = detail.verdicts.isEmpty ? ["  none"] : detail.verdicts.prefix(room - room / 2).map { verdict -> String in
                let head = "  \(Screen.clock(verdict.at)) \(verdict.rule) \(verdict.action) \(verdict.method) \(oneLine(verdict.path))"
                let repeats = verdict.repeats > 0 ? " (+\(verdict.repeats))" : ""
                return head + repeats + " — \(oneLine(verdict.detail))"
            }
            return ["latest requests:"] + requests + ["", "WAF verdicts:"] + verdicts
        }
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

    /// A centred box holding `lines`, as large as they need and the canvas allows.
    static func box(title: String, lines: [String], into canvas: inout Canvas) {
        let width = min(canvas.width - 4, max(TextWidth.of(title) + 6, (lines.map { TextWidth.of($0) }.max() ?? 0) + 4))
        let height = min(canvas.height - 2, lines.count + 2)
        let area = Rect(x: (canvas.width - width) / 2, y: (canvas.height - height) / 2, width: width, height: height)
        canvas.fill(area)
        canvas.box(area, title: title, style: Style(foreground: .cyan, bold: true))
        for (index, line) in lines.prefix(height - 2).enumerated() {
            canvas.write(TextWidth.truncate(line, to: width - 4, ascii: canvas.ascii), x: area.x + 2, y: area.y + 1 + index, limit: width - 4)
        }
    }
}
