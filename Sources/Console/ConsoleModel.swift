import Dashboard
import Foundation

/// A key press as the console understands it (the terminal backend translates ncurses codes into these).
public enum Key: Equatable, Sendable {
    case character(Character)
    case tab, backTab, up, down, pageUp, pageDown, home, end, enter, escape, backspace
    /// The terminal changed size.
    case resize(width: Int, height: Int)
}

/// The five panes, in focus order (keys `1`–`5`).
public enum Pane: Int, CaseIterable, Sendable {
    case traffic, blocked, queues, sagas, recommendations

    public var title: String { ConsolePanes.unit(self).title }
}

/// What the console asks of the world after a key: an operator action for the core, a simulator
/// change, or to quit. The loop carries them out and reports back with `ConsoleModel.note`.
public enum ConsoleCommand: Equatable, Sendable {
    case perform(OperatorAction)
    case setScenario(String)
    /// The simulator's actions per second.
    case setRate(Double)
    case togglePause
    case quit
}

/// The console's whole state as a value: what is focused and selected, which overlay is open, what the
/// operator is typing, and the latest snapshot. Keys change it through `update` (pure, so every binding is
/// a unit test); the loop renders it with `Screen`.
public struct ConsoleModel: Sendable {
    /// An open overlay or prompt.
    public enum Mode: Equatable, Sendable {
        case normal
        case help
        /// What the shop's status finds wrong or worth knowing (the header's badge).
        case findings
        /// The flash sales, live: entrants, winners, the queue, the moment of selling out.
        case drops
        /// The WAF's rules, with a selection of their own (`ruleSelection`).
        case rules
        /// The log view: the audit trail and the shop's log lines, newest first, searched by `logSearch`.
        case log
        /// Typing the log view's search.
        case logSearch(String)
        /// The WAF's latest verdicts, with a selection of their own (`verdictSelection`).
        case verdicts
        /// The request inspector: one verdict and the request as the WAF saw it.
        case inspect(UInt64)
        /// The detail view of one row of the focused pane, by its key: it stays on that item while the list
        /// re-sorts or the item leaves it.
        case detail(String)
        /// Typing into the `/` filter of the focused pane.
        case filter(String)
        /// The `:` command line.
        case command(String)
        /// A step of the block prompt: address, then reason, then time to live.
        case blockPrompt(step: Int, cidr: String, reason: String, text: String)
        /// Re-run with a failure injected: choosing the step.
        case failPrompt(String)
        /// A destructive action waiting for `y`.
        case confirm(OperatorAction, String)
    }

    /// Whether the last snapshot request was answered, and since when not.
    public enum Connection: Equatable, Sendable {
        case connected
        case disconnected(since: Date, reason: String)
    }

    public var snapshot: DashboardSnapshot?
    public var connection: Connection = .connected
    /// The source refuses changes (a viewer token, `--read-only`).
    public var readOnly = false
    public var focus: Pane = .traffic
    /// Each pane's selection, by key (see `Selection`).
    public var selection: [Pane: Selection] = [:]
    public var filters: [Pane: String] = [:]
    /// Each pane's sort (`<` `>` choose the column, `~` reverses); none: the pane's own order.
    public var sorts: [Pane: RowSort] = [:]
    public var mode: Mode = .normal {
        didSet { if mode != oldValue { overlayScroll = 0 } }
    }
    /// How many lines the open overlay (help, findings, a detail) is scrolled down.
    public var overlayScroll = 0
    /// The row selected in the WAF rules view (rules keep their order, so a row number stays on its rule).
    public var ruleSelection = 0
    /// What the log view shows lines containing (all when empty).
    public var logSearch = ""
    /// The row selected in the verdicts view.
    public var verdictSelection = 0
    /// The time Traffic and the rules view cover.
    public var window = TrafficWindow.minute
    /// Where a `confirm` returns after its answer: the view it was asked from.
    public var afterConfirm: Mode = .normal
    /// The console's own lines for the event strip (outcomes and errors of actions), newest last.
    public var notes: [String] = []
    public var width: Int
    public var height: Int
    public var colour: Bool
    public var ascii: Bool
    public var scenario: String?
    /// The simulator's actions per second; nil when no simulator runs in this console.
    public var rate: Double?
    public var paused = false

    public static let scenarios = ["normal", "flash-sale", "attack", "mixed"]
    public static let pipelineSteps = ["export", "catalog", "query", "train", "evaluate", "publish"]

    /// The factor `+` and `-` change the simulator's rate by.
    public static let rateStep = 1.5

    public init(width: Int, height: Int, colour: Bool = true, ascii: Bool = false, scenario: String? = nil, rate: Double? = nil) {
        self.width = width
        self.height = height
        self.colour = colour
        self.ascii = ascii
        self.scenario = scenario
        self.rate = rate
    }

    /// Adds a line to the event strip (an action's outcome or error), keeping the last 50.
    public mutating func note(_ text: String) {
        notes.append(text)
        if notes.count > 50 { notes.removeFirst(notes.count - 50) }
    }

    /// `pane`'s rows as the operator has them: filtered and sorted.
    public func rows(_ pane: Pane) -> PaneRows {
        PaneRows.of(pane, snapshot, filter: filters[pane], sort: sorts[pane], ascii: ascii)
    }

    /// The focused pane's selected row (0 when nothing was selected yet).
    public var selectedRow: Int { selectedRow(focus, in: rows(focus)) ?? 0 }

    /// What the focused pane's selected row refers to (an address, a queue, a run, a product), if any.
    public var selectedKey: String? {
        let rows = rows(focus)
        return selectedRow(focus, in: rows).map { rows.keys[$0] }
    }

    /// Where `pane`'s selection is among `rows`: the row of its key while the key is listed, else the row it
    /// was last at (clamped to the list, so a removed last row never leaves a blank highlight); nil for no rows.
    func selectedRow(_ pane: Pane, in rows: PaneRows) -> Int? {
        guard !rows.keys.isEmpty else { return nil }
        let chosen = selection[pane] ?? Selection(key: nil, row: 0)
        if let key = chosen.key, let row = rows.keys.firstIndex(of: key) { return row }
        return min(max(0, chosen.row), rows.keys.count - 1)
    }

    /// Selects `row` of the focused pane's `rows` (clamped), pinning the selection to that row's item.
    mutating func select(row: Int, in rows: PaneRows) {
        guard !rows.keys.isEmpty else {
            selection[focus] = Selection(key: nil, row: 0)
            return
        }
        let row = min(max(0, row), rows.keys.count - 1)
        selection[focus] = Selection(key: rows.keys[row], row: row)
    }

    /// Selects `row` of the focused pane as it is listed now.
    public mutating func select(row: Int) {
        select(row: row, in: rows(focus))
    }

    /// Opens the detail view of the focused pane's selected row, if it has one.
    public mutating func openDetail() {
        if let key = selectedKey { mode = .detail(key) }
    }

    /// Takes a new snapshot. Each pane's selection stays on its item; one whose item left the list moves to the
    /// item now at its row and stays on that one — the highlight never wanders with the sort order. A pane the
    /// operator has not moved in (or sent Home) has no item to follow and stays at the head of its list, so the
    /// newest run or the busiest client stays in view rather than the pane scrolling after its first row.
    public mutating func receive(_ snapshot: DashboardSnapshot) {
        self.snapshot = snapshot
        for pane in Pane.allCases where selection[pane] != nil {
            let rows = rows(pane)
            guard let row = selectedRow(pane, in: rows) else { continue }
            selection[pane] = Selection(key: rows.keys[row], row: row)
        }
    }

    /// In a client's detail, the latest verdict on its requests (what `i` inspects), once the detail has come.
    var latestClientVerdict: UInt64? {
        guard case .detail = mode, let focus = dashboardFocus, case .client = focus, let detail = snapshot?.focused, detail.focus == focus else { return nil }
        return detail.verdicts.first?.id
    }

    /// What the next snapshot should carry in detail: the open detail view's address, queue or product; else
    /// the best seller selected in Recommendations, whose "bought together" list the pane shows.
    public var dashboardFocus: DashboardFocus? {
        switch mode {
        case .log, .logSearch: return .log(logSearch)
        case .verdicts: return .verdicts
        case .inspect(let id): return .verdict(id)
        // A rule change waiting for its y/n: the shop replays recent traffic under it (the false-positive preview).
        case .confirm(.setRule(let name, let action, let limit, _, _), _) where afterConfirm == .rules:
            return .rulePreview(rule: name, action: action, limit: limit)
        // Once the address is typed, the block's impact is previewed from its dossier while the operator
        // gives the reason and the time to live.
        case .blockPrompt(let step, let cidr, _, _) where step > 0: return .client(cidr)
        default: break
        }
        if case .detail(let key) = mode, let focus = ConsolePanes.unit(focus).detailFocus(key: key) { return focus }
        let rows = rows(.recommendations)
        return selectedRow(.recommendations, in: rows).map { .product(rows.keys[$0]) }
    }
}

/// A pane's selection: the selected row's key (an address, a queue, a run), so the highlight stays on its
/// item while the list re-sorts under it every second, and the row it was at, for when the item leaves.
public struct Selection: Equatable, Sendable {
    public var key: String?
    public var row: Int

    public init(key: String?, row: Int) {
        self.key = key
        self.row = row
    }
}
