import Dashboard

/// Queues: every queue's depth, in-flight and dead letters, oldest message and rate, and `R` to redrive a
/// queue's dead letters; the detail view peeks at the oldest messages.
struct QueuesPane: ConsolePane {
    let pane = Pane.queues
    let title = "Queues"
    let emptyText = "no queues"

    func rows(_ snapshot: DashboardSnapshot, ascii: Bool) -> PaneRows {
        // The name keeps 14 columns, cut in the middle: at 80 columns `drop-entries.fifo` and its dead-letter
        // queue both read `drop-entrie…` before (issue 21).
        var rows = PaneRows(columns: [.init("queue", minimumWidth: 14, middle: true), .init("vis", width: 5, rightAligned: true),
                                      .init("fly", width: 5, rightAligned: true), .init("dlq", width: 3, rightAligned: true),
                                      .init("old", width: 4, rightAligned: true),
                                      .init("dly", width: 4, rightAligned: true, optional: true), .init("in/s", width: 6, rightAligned: true, optional: true)],
                            cells: snapshot.queues.map {
                                [$0.name, "\($0.visible)", "\($0.inFlight)", $0.deadLetterQueue == nil ? "-" : "\($0.deadLettered)",
                                 Format.age($0.oldestAgeSeconds), "\($0.delayed)", Format.rate($0.sentPerSecond)]
                            }, keys: snapshot.queues.map(\.name))
        for (index, queue) in snapshot.queues.enumerated() where queue.deadLettered > 0 { rows.styles[index] = Style(foreground: .red, bold: true) }
        return rows
    }

    func detailFocus(key: String) -> DashboardFocus? { .queue(key) }

    func detailLines(_ model: ConsoleModel, _ snapshot: DashboardSnapshot, key: String) -> [String] {
        guard let queue = snapshot.queues.first(where: { $0.name == key }) else { return [] }
        return ["queue       \(queue.name) (\(queue.isFIFO ? "FIFO" : "standard"))", "visible     \(queue.visible)",
                "in flight   \(queue.inFlight)", "delayed     \(queue.delayed)",
                "dead letters \(queue.deadLetterQueue.map { "\(queue.deadLettered) in \($0)" } ?? "no dead-letter queue")",
                "oldest      \(Format.age(queue.oldestAgeSeconds))",
                String(format: "rates       %.1f sent/s, %.1f received/s", queue.sentPerSecond, queue.receivedPerSecond),
                "", "oldest messages (age, state, receives, group, body):"] + Overlays.focused(model, .queue(key)) { detail in
                    detail.messages.isEmpty ? ["  none"] : detail.messages.map { message in
                        "  \(Format.age(snapshot.takenAt.timeIntervalSince(message.sentAt)).padding(toLength: 4, withPad: " ", startingAt: 0)) "
                            + "\(message.state.padding(toLength: 9, withPad: " ", startingAt: 0)) \(message.receiveCount)× "
                            + "\(message.groupID.map { $0 + " " } ?? "")\(Overlays.oneLine(message.body))"
                    }
                }
    }

    func redrive(_ snapshot: DashboardSnapshot, key: String) -> (action: OperatorAction, question: String)? {
        (.redrive(queue: key), "redrive the dead letters of \(key)? (y/n)")
    }
}
