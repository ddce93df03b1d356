import Dashboard
import Foundation

/// Each list pane's rows as table cells, filtered by the pane's `/` filter, with what an action on a row
/// refers to (an address, a queue, a run).
public struct PaneRows: Sendable {
    public var columns: [Table.Column]
    public var cells: [[String]]
    /// Per row: the block's CIDR, the queue's name or the run's id — what `u`, `R` and Enter act on.
    public var keys: [String]
    public var styles: [Int: Style] = [:]

    public static func of(_ pane: Pane, _ snapshot: DashboardSnapshot?, filter: String?, ascii: Bool = false) -> PaneRows {
        var rows = unfiltered(pane, snapshot, ascii: ascii)
        if let filter, !filter.isEmpty {
            let needle = filter.lowercased()
            let kept = rows.cells.indices.filter { rows.cells[$0].joined(separator: " ").lowercased().contains(needle) }
            rows = PaneRows(columns: rows.columns, cells: kept.map { rows.cells[$0] }, keys: kept.map { rows.keys[$0] },
                            styles: Dictionary(uniqueKeysWithValues: kept.enumerated().compactMap { new, old in rows.styles[old].map { (new, $0) } }))
        }
        return rows
    }

    private static func unfiltered(_ pane: Pane, _ snapshot: DashboardSnapshot?, ascii: Bool) -> PaneRows {
        guard let snapshot else { return PaneRows(columns: [], cells: [], keys: []) }
        let now = snapshot.takenAt
        switch pane {
        case .traffic:
            let clients = snapshot.traffic.topClients
            return PaneRows(columns: [.init("client"), .init("req/min", width: 8, rightAligned: true)],
                            cells: clients.map { [$0.name, "\($0.count)"] }, keys: clients.map(\.name))
        case .blocked:
            var rows = PaneRows(columns: [.init("ip/cidr", width: 18), .init("source", width: 7), .init("hits", width: 5, rightAligned: true),
                                          .init("expires", width: 7, rightAligned: true, optional: true),
                                          .init("since", width: 5, rightAligned: true, optional: true), .init("reason", optional: true)],
                                cells: snapshot.blocked.map {
                                    [$0.cidr, $0.source, "\($0.hits)", $0.expires.map { Format.age($0.timeIntervalSince(now)) } ?? "never",
                                     Format.age(now.timeIntervalSince($0.since)), $0.reason]
                                }, keys: snapshot.blocked.map(\.cidr))
            for (index, row) in snapshot.blocked.enumerated() where row.source == "rate" { rows.styles[index] = Style(foreground: .yellow) }
            return rows
        case .queues:
            var rows = PaneRows(columns: [.init("queue"), .init("vis", width: 5, rightAligned: true), .init("fly", width: 5, rightAligned: true),
                                          .init("dlq", width: 4, rightAligned: true), .init("oldest", width: 6, rightAligned: true),
                                          .init("dly", width: 4, rightAligned: true, optional: true), .init("in/s", width: 6, rightAligned: true, optional: true)],
                                cells: snapshot.queues.map {
                                    [$0.name, "\($0.visible)", "\($0.inFlight)", $0.deadLetterQueue == nil ? "-" : "\($0.deadLettered)",
                                     Format.age($0.oldestAgeSeconds), "\($0.delayed)", Format.rate($0.sentPerSecond)]
                                }, keys: snapshot.queues.map(\.name))
            for (index, queue) in snapshot.queues.enumerated() where queue.deadLettered > 0 { rows.styles[index] = Style(foreground: .red, bold: true) }
            return rows
        case .sagas:
            var rows = PaneRows(columns: [.init("run", width: 8), .init("state", width: 11), .init("steps", width: 6), .init("pipeline"),
                                          .init("error", optional: true)],
                                cells: snapshot.runs.map { run in
                                    [String(run.runID.prefix(8)), run.state.rawValue, Format.steps(run.steps, ascii: ascii), run.pipeline, run.error ?? ""]
                                }, keys: snapshot.runs.map(\.runID))
            for (index, run) in snapshot.runs.enumerated() {
                switch run.state {
                case .compensated, .compensating: rows.styles[index] = Style(foreground: .yellow, bold: true)
                case .failed: rows.styles[index] = Style(foreground: .red, bold: true)
                case .running: rows.styles[index] = Style(foreground: .cyan)
                case .succeeded: break
                }
            }
            return rows
        case .recommendations:
            let items = snapshot.recommender.topSellers
            return PaneRows(columns: [.init("best seller"), .init("buyers", width: 7, rightAligned: true)],
                            cells: items.map { [$0.name, "\(Int($0.value))"] }, keys: items.map(\.productId))
        }
    }
}

/// Short forms for narrow columns.
public enum Format {
    /// `42s`, `7m`, `3h`, `2d`.
    public static func age(_ seconds: Double) -> String {
        let value = max(0, seconds)
        switch value {
        case ..<60: return "\(Int(value))s"
        case ..<3600: return "\(Int(value / 60))m"
        case ..<86_400: return "\(Int(value / 3600))h"
        default: return "\(Int(value / 86_400))d"
        }
    }

    /// `12`, `3.4k`, `1.2M`.
    public static func rate(_ value: Double) -> String {
        switch value {
        case ..<10: return String(format: "%.1f", value)
        case ..<1000: return "\(Int(value.rounded()))"
        case ..<1_000_000: return String(format: "%.1fk", value / 1000)
        default: return String(format: "%.1fM", value / 1_000_000)
        }
    }

    /// A run's steps as one mark each: done `✓`/`+`, running `>`, failed `✗`/`x`, undone `↺`/`<`, pending `·`/`.`.
    public static func steps(_ steps: [DashboardSnapshot.StepRow], ascii: Bool = false) -> String {
        String(steps.map { step -> Character in
            switch step.state {
            case .succeeded: ascii ? "+" : "✓"
            case .running: ">"
            case .failed: ascii ? "x" : "✗"
            case .compensating, .compensated: ascii ? "<" : "↺"
            case .pending: ascii ? "." : "·"
            }
        })
    }
}
