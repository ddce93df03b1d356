/// A row of bars for a series (requests per second over the last minutes): eight heights per cell, scaled
/// to the series' maximum; in ASCII mode ` .:-=+*#`.
public enum Sparkline {
    static let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    static let asciiLevels: [Character] = [".", ":", "-", "=", "+", "*", "#", "@"]

    /// The last `width` values as bars (a zero is a space; the tallest is a full block).
    public static func render(_ values: [Double], width: Int, ascii: Bool = false) -> String {
        guard width > 0 else { return "" }
        let shown = values.suffix(width)
        let top = shown.max() ?? 0
        let levels = ascii ? asciiLevels : blocks
        let bars = shown.map { value -> Character in
            guard value > 0, top > 0 else { return " " }
            let level = Int((value / top * Double(levels.count - 1)).rounded())
            return levels[min(levels.count - 1, max(0, level))]
        }
        return String(repeating: " ", count: width - bars.count) + String(bars)
    }
}

/// A table with a header row, a selectable row and scrolling: columns are fixed widths or share what is left.
public struct Table: Sendable {
    public struct Column: Sendable {
        public var title: String
        /// Columns wide; nil shares the rest of the width with the other nil columns.
        public var width: Int?
        public var rightAligned: Bool
        /// Left out, right to left, when the table is too narrow for every column.
        public var optional: Bool
        /// For a flexible column: the fewest columns it needs before optional columns make room for it.
        public var minimumWidth: Int
        /// Cut in the middle rather than at the end (names that differ at the end).
        public var middle: Bool

        public init(_ title: String, width: Int? = nil, rightAligned: Bool = false, optional: Bool = false,
                    minimumWidth: Int = Table.minimumFlexibleWidth, middle: Bool = false) {
            self.title = title
            self.width = width
            self.rightAligned = rightAligned
            self.optional = optional
            self.minimumWidth = minimumWidth
            self.middle = middle
        }
    }

    public var columns: [Column]
    public var rows: [[String]]
    /// Per-row styles (a compensated run in red, say); plain where absent.
    public var rowStyles: [Int: Style] = [:]
    public var selected: Int?
    public var emptyText = "nothing yet"

    public init(columns: [Column], rows: [[String]], selected: Int? = nil) {
        self.columns = columns
        self.rows = rows
        self.selected = selected
    }

    public static let minimumFlexibleWidth = 8

    /// The columns shown in `total` columns of space: optional ones are left out, right to left, until the
    /// fixed widths, the gaps and `minimumFlexibleWidth` for each flexible column fit.
    func shownColumns(for total: Int) -> [Int] {
        var shown = Array(columns.indices)
        func needed() -> Int {
            shown.reduce(0) { $0 + (columns[$1].width ?? columns[$1].minimumWidth) } + max(0, shown.count - 1)
        }
        while needed() > total, let drop = shown.last(where: { columns[$0].optional }) { shown.removeAll { $0 == drop } }
        return shown
    }

    /// Widths of the shown columns for `total` columns of space (one space between columns).
    func widths(for total: Int, shown: [Int]) -> [Int] {
        let gaps = max(0, shown.count - 1)
        let fixed = shown.compactMap { columns[$0].width }.reduce(0, +)
        let flexible = shown.filter { columns[$0].width == nil }.count
        let share = flexible == 0 ? 0 : max(1, (total - gaps - fixed) / flexible)
        return shown.map { columns[$0].width ?? share }
    }

    /// The first row shown when `selected` must be visible in `visibleRows`.
    func firstVisible(_ visibleRows: Int) -> Int {
        guard let selected, visibleRows > 0 else { return 0 }
        return max(0, selected - visibleRows + 1)
    }

    public func draw(into canvas: inout Canvas, _ area: Rect, focused: Bool = true) {
        guard !area.isEmpty else { return }
        let shown = shownColumns(for: area.width)
        let widths = widths(for: area.width, shown: shown)
        func drawRow(_ cells: [String], y: Int, style: Style) {
            var x = area.x
            for (position, index) in shown.enumerated() where x < area.maxX {
                let text = TextWidth.fit(index < cells.count ? cells[index] : "", to: widths[position], rightAligned: columns[index].rightAligned,
                                         middle: columns[index].middle, ascii: canvas.ascii)
                x += canvas.write(text, x: x, y: y, style: style, limit: area.maxX - x)
                if position < shown.count - 1, x < area.maxX { x += canvas.write(" ", x: x, y: y, style: style, limit: 1) }
            }
            if x < area.maxX { canvas.fill(Rect(x: x, y: y, width: area.maxX - x, height: 1), style: style) }
        }
        drawRow(columns.map(\.title), y: area.y, style: Style(bold: true, underline: !canvas.ascii))
        let visible = area.height - 1
        guard !rows.isEmpty else {
            if visible > 0 { canvas.write(TextWidth.truncate(emptyText, to: area.width), x: area.x, y: area.y + 1, style: Style(dim: true)) }
            return
        }
        let first = firstVisible(visible)
        for (offset, index) in (first..<min(rows.count, first + visible)).enumerated() {
            var style = rowStyles[index] ?? .plain
            if index == selected { style.reverse = focused; style.bold = true }
            drawRow(rows[index], y: area.y + 1 + offset, style: style)
        }
    }

    /// `3/27 ↓`: where the selection is and which way the list goes on past what `visibleRows` show; nil when
    /// every row is in view (nothing showed that a list continued below its pane; issue 21).
    public func position(visibleRows: Int, ascii: Bool) -> String? {
        guard visibleRows > 0, rows.count > visibleRows else { return nil }
        let first = firstVisible(visibleRows)
        let above = first > 0, below = first + visibleRows < rows.count
        let arrows = (above ? (ascii ? "^" : "↑") : "") + (below ? (ascii ? "v" : "↓") : "")
        return "\((selected ?? 0) + 1)/\(rows.count) \(arrows)"
    }
}
