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

    /// The pane's rows from a snapshot, kept by `filter` (see `RowFilter`) and ordered by `sort`.
    public static func of(_ pane: Pane, _ snapshot: DashboardSnapshot?, filter: String?, sort: RowSort? = nil, ascii: Bool = false) -> PaneRows {
        var rows = unfiltered(pane, snapshot, ascii: ascii)
        var kept = Array(rows.cells.indices)
        if let filter, !filter.isEmpty {
            let titles = rows.columns.map(\.title)
            let test = RowFilter(filter, columns: titles.map { $0.lowercased() })
            kept = kept.filter { test.keeps(cells: rows.cells[$0], titles: titles, key: rows.keys[$0]) }
        }
        if let sort, sort.column < rows.columns.count {
            let order = sort.order(kept.map { rows.cells[$0] })
            kept = order.map { kept[$0] }
        }
        guard kept != Array(rows.cells.indices) else { return rows }
        rows = PaneRows(columns: rows.columns, cells: kept.map { rows.cells[$0] }, keys: kept.map { rows.keys[$0] },
                        styles: Dictionary(uniqueKeysWithValues: kept.enumerated().compactMap { new, old in rows.styles[old].map { (new, $0) } }))
        return rows
    }

    private static func unfiltered(_ pane: Pane, _ snapshot: DashboardSnapshot?, ascii: Bool) -> PaneRows {
        guard let snapshot else { return PaneRows(columns: [], cells: [], keys: []) }
        return ConsolePanes.unit(pane).rows(snapshot, ascii: ascii)
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

    /// An amount in cents as `1234.50`: the catalog's prices carry no currency.
    public static func money(_ cents: Int) -> String {
        String(format: "%@%d.%02d", cents < 0 ? "-" : "", abs(cents) / 100, abs(cents) % 100)
    }

    /// `4.2ms` under ten milliseconds, `37ms` above, `2.3s` from a second.
    public static func milliseconds(_ microseconds: UInt64) -> String {
        switch microseconds {
        case ..<10_000: String(format: "%.1fms", Double(microseconds) / 1000)
        case ..<1_000_000: "\(microseconds / 1000)ms"
        default: String(format: "%.1fs", Double(microseconds) / 1_000_000)
        }
    }

    /// A step's time: `0.42s` under ten seconds, `37s`, then `4m 05s`.
    public static func duration(_ seconds: Double) -> String {
        let value = max(0, seconds)
        switch value {
        case ..<10: return String(format: "%.2fs", value)
        case ..<60: return "\(Int(value))s"
        default: return String(format: "%dm %02ds", Int(value) / 60, Int(value) % 60)
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
