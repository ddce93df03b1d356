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
        /// The detail view of the focused pane's selected row.
        case detail
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
    public var selection: [Pane: Int] = [:]
    public var filters: [Pane: String] = [:]
    public var mode: Mode = .normal
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

    /// The focused pane's selected row (0 when nothing was selected yet).
    public var selectedRow: Int { selection[focus] ?? 0 }

    /// What the focused pane's selected row refers to (an address, a queue, a run, a product), if any.
    public var selectedKey: String? {
        let rows = PaneRows.of(focus, snapshot, filter: filters[focus])
        return rows.keys.indices.contains(selectedRow) ? rows.keys[selectedRow] : nil
    }

    /// What the next snapshot should carry in detail: the open detail view's address, queue or product; else
    /// the best seller selected in Recommendations, whose "bought together" list the pane shows.
    public var dashboardFocus: DashboardFocus? {
        if mode == .detail, let key = selectedKey, let focus = ConsolePanes.unit(focus).detailFocus(key: key) { return focus }
        let rows = PaneRows.of(.recommendations, snapshot, filter: filters[.recommendations])
        let row = selection[.recommendations] ?? 0
        return rows.keys.indices.contains(row) ? .product(rows.keys[row]) : nil
    }
}
