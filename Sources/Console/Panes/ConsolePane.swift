import Dashboard

/// One pane of the console with everything about it in one place: its title, its rows from the snapshot,
/// what its detail view shows and asks the shop for, the keys that act on its rows, and how it draws.
/// Adding a pane is a conforming type in a file of its own, a line in `ConsolePanes.all` and a case in
/// `Pane` (which keys the console's per-pane state: selection, filter).
protocol ConsolePane: Sendable {
    var pane: Pane { get }
    var title: String { get }
    /// What the pane says when it has no rows.
    var emptyText: String { get }
    /// The pane's rows from a snapshot, before the `/` filter.
    func rows(_ snapshot: DashboardSnapshot, ascii: Bool) -> PaneRows
    /// What the detail view of row `key` needs from the shop beyond the snapshot (nil: nothing more).
    func detailFocus(key: String) -> DashboardFocus?
    /// The detail view of row `key`.
    func detailLines(_ model: ConsoleModel, _ snapshot: DashboardSnapshot, key: String) -> [String]
    /// Keys that act on this pane's selected row (listed in the help and hint bar with the others).
    var bindings: [KeyBinding] { get }
    /// What `R` (redrive) does to row `key` and the question it asks first; nil where the pane or the row has
    /// nothing to redrive.
    func redrive(_ snapshot: DashboardSnapshot, key: String) -> (action: OperatorAction, question: String)?
    /// Draws the pane's inside.
    func draw(_ model: ConsoleModel, _ rows: PaneRows, into canvas: inout Canvas, _ area: Rect, focused: Bool)
}

extension ConsolePane {
    func detailFocus(key: String) -> DashboardFocus? { nil }
    var bindings: [KeyBinding] { [] }
    func redrive(_ snapshot: DashboardSnapshot, key: String) -> (action: OperatorAction, question: String)? { nil }

    /// A list pane: its rows as a table, the selection highlighted, and on the border below where the list goes on.
    func draw(_ model: ConsoleModel, _ rows: PaneRows, into canvas: inout Canvas, _ area: Rect, focused: Bool) {
        let table = table(model, rows)
        table.draw(into: &canvas, area, focused: focused)
        markContinuation(of: table, in: area, on: &canvas)
    }

    /// Writes the table's position (`3/27 ↓`) on the pane's bottom border, right below `area`, when the list is
    /// longer than the area.
    func markContinuation(of table: Table, in area: Rect, on canvas: inout Canvas) {
        guard let text = table.position(visibleRows: area.height - 1, ascii: canvas.ascii) else { return }
        let label = " " + text + " "
        let width = TextWidth.of(label)
        guard width < area.width else { return }
        canvas.write(label, x: area.maxX - width, y: area.y + area.height, style: Style(bold: true), limit: width)
    }

    /// The pane's rows as a table with its selection, row styles and empty text.
    func table(_ model: ConsoleModel, _ rows: PaneRows) -> Table {
        var table = Table(columns: rows.columns, rows: rows.cells, selected: model.selectedRow(pane, in: rows))
        table.rowStyles = rows.styles
        table.emptyText = emptyText
        return table
    }
}

/// The registered panes, in focus order (keys `1`–`5`).
enum ConsolePanes {
    static let all: [any ConsolePane] = [TrafficPane(), BlockedPane(), QueuesPane(), SagasPane(), RecommendationsPane()]

    static func unit(_ pane: Pane) -> any ConsolePane { all[pane.rawValue] }

    /// Every pane's own keys, in pane order, after `R`, which redrives whatever the focused pane redrives.
    static var bindings: [KeyBinding] { [redrive] + all.flatMap(\.bindings) }

    /// `R`: a queue's dead letters back to it (Queues), a failed run from its failed step (Sagas) — one key
    /// for one idea, asked about first.
    static let redrive = KeyBinding(label: "R", keys: [.character("R")], hint: "redrive",
                                    help: ["redrive: a queue's dead letters (3), or a failed", "run from its failed step (4) (y/n)"],
                                    reach: .changesShop) { model, _, _ in
        guard let snapshot = model.snapshot, let key = model.selectedKey, let (action, question) = unit(model.focus).redrive(snapshot, key: key) else {
            model.note(model.focus == .sagas ? "only a failed run can be redriven; select one in Sagas (4)"
                                             : "select a queue in Queues (3) or a failed run in Sagas (4) to redrive")
            return []
        }
        model.mode = .confirm(action, question)
        return []
    }
}
