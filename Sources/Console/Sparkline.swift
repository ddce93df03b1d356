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

        public init(_ title: String, width: Int? = nil, rightAligned: Bool = false) {
            self.title = title
            self.width = width
            self.rightAligned = rightAligned
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

    /// Column widths for `total` columns of space (one space between columns).
    func widths(for total: Int) -> [Int] {
        let gaps = max(0, columns.count - 1)
        let fixed = columns.compactMap(\.width).reduce(0, +)
        let flexible = columns.filter { $0.width == nil }.count
        let share = flexible == 0 ? 0 : max(1, (total - gaps - fixed) / flexible)
        return columns.map { $0.width ?? share }
    }

    /// The first row shown when `selected` must be visible in `visibleRows`.
    func firstVisible(_ visibleRows: Int) -> Int {
        guard let selected, visibleRows > 0 else { return 0 }
        return max(0, selected - visibleRows + 1)
    }

    public func draw(into canvas: inout Canvas, _ area: Rect, focused: Bool = true) {
        guard !area.isEmpty else { return }
        let widths = widths(for: area.width)
        func drawRow(_ cells: [String], y: Int, style: Style) {
            var x = area.x
            for (index, column) in columns.enumerated() where x < area.maxX {
                let text = TextWidth.fit(index < cells.count ? cells[index] : "", to: widths[index], rightAligned: column.rightAligned, ascii: canvas.ascii)
                x += canvas.write(text, x: x, y: y, style: style, limit: area.maxX - x)
                if index < columns.count - 1, x < area.maxX { x += canvas.write(" ", x: x, y: y, style: style, limit: 1) }
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
}
