/// The eight terminal colours.
public enum Color: UInt8, Sendable, CaseIterable {
    case black, red, green, yellow, blue, magenta, cyan, white
}

/// How a cell is drawn. With colour off (`NO_COLOR`), only the attributes remain.
public struct Style: Hashable, Sendable {
    public var foreground: Color?
    public var background: Color?
    public var bold = false
    public var dim = false
    public var reverse = false
    public var underline = false

    public init(foreground: Color? = nil, background: Color? = nil, bold: Bool = false, dim: Bool = false, reverse: Bool = false,
                underline: Bool = false) {
        self.foreground = foreground
        self.background = background
        self.bold = bold
        self.dim = dim
        self.reverse = reverse
        self.underline = underline
    }

    public static let plain = Style()

    /// The style without colours, attributes kept.
    public var colourless: Style { Style(bold: bold, dim: dim, reverse: reverse, underline: underline) }
}

/// One screen cell: a grapheme and its style. The cell after a wide (two-column) grapheme holds "" — it is
/// covered by its left neighbour.
public struct Cell: Hashable, Sendable {
    public var text: String
    public var style: Style

    public init(_ text: String = " ", style: Style = .plain) {
        self.text = text
        self.style = style
    }

    public static let blank = Cell()
}

/// A rectangle of cells.
public struct Rect: Hashable, Sendable, CustomStringConvertible {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }

    public var isEmpty: Bool { width == 0 || height == 0 }
    public var maxX: Int { x + width }
    public var maxY: Int { y + height }

    /// The rectangle shrunk by `amount` on every side.
    public func inset(by amount: Int) -> Rect {
        Rect(x: x + amount, y: y + amount, width: width - 2 * amount, height: height - 2 * amount)
    }

    /// The top `rows` rows, and the rest.
    public func splitTop(_ rows: Int) -> (top: Rect, rest: Rect) {
        let taken = min(max(0, rows), height)
        return (Rect(x: x, y: y, width: width, height: taken), Rect(x: x, y: y + taken, width: width, height: height - taken))
    }

    /// The bottom `rows` rows, and the rest.
    public func splitBottom(_ rows: Int) -> (rest: Rect, bottom: Rect) {
        let taken = min(max(0, rows), height)
        return (Rect(x: x, y: y, width: width, height: height - taken), Rect(x: x, y: maxY - taken, width: width, height: taken))
    }

    /// The left `columns` columns, and the rest.
    public func splitLeft(_ columns: Int) -> (left: Rect, rest: Rect) {
        let taken = min(max(0, columns), width)
        return (Rect(x: x, y: y, width: taken, height: height), Rect(x: x + taken, y: y, width: width - taken, height: height))
    }

    public var description: String { "\(width)×\(height) at (\(x), \(y))" }
}

/// What widgets draw into: a grid of cells, drawn to the terminal by `Terminal` (only the cells that changed
/// since the last frame) and read back as text by tests. Drawing is clipped to the canvas.
public struct Canvas: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// Draw box edges and bars with ASCII instead of Unicode line drawing and blocks.
    public var ascii: Bool
    private(set) var cells: [Cell]

    public init(width: Int, height: Int, ascii: Bool = false) {
        self.width = max(0, width)
        self.height = max(0, height)
        self.ascii = ascii
        cells = [Cell](repeating: .blank, count: self.width * self.height)
    }

    public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell {
        get { x >= 0 && x < width && y >= 0 && y < height ? cells[y * width + x] : .blank }
        set {
            guard x >= 0, x < width, y >= 0, y < height else { return }
            cells[y * width + x] = newValue
        }
    }

    /// Writes `text` from (`x`, `y`) on one row, at most `limit` columns (to the canvas edge when nil); a wide
    /// grapheme that would straddle the limit is left out. Returns the columns written.
    @discardableResult
    public mutating func write(_ text: String, x: Int, y: Int, style: Style = .plain, limit: Int? = nil) -> Int {
        guard y >= 0, y < height else { return 0 }
        let end = min(width, x + (limit ?? width))
        var column = x
        for character in text {
            let columns = TextWidth.of(character)
            guard columns > 0 else { continue }
            guard column + columns <= end else { break }
            if column >= 0 {
                // Overwriting half of a wide grapheme leaves its other half blank.
                if self[column, y].text.isEmpty { self[column - 1, y] = Cell(" ", style: self[column - 1, y].style) }
                self[column, y] = Cell(Self.printable(character), style: style)
                if columns == 2 { self[column + 1, y] = Cell("", style: style) } else if column + 1 < width, self[column + 1, y].text.isEmpty {
                    self[column + 1, y] = Cell(" ", style: self[column + 1, y].style)
                }
            }
            column += columns
        }
        return column - x
    }

    /// A grapheme as a terminal may receive it: without control or format scalars (a cluster's first scalar
    /// decided its width; one hiding behind it, such as a bidirectional override, must not reach the screen).
    static func printable(_ character: Character) -> String {
        if character.unicodeScalars.count == 1 { return String(character) }
        var scalars = String.UnicodeScalarView()
        for scalar in character.unicodeScalars where scalar.value == 0x200D || !TextWidth.isControlOrFormat(scalar) { scalars.append(scalar) }
        return String(scalars)
    }

    /// Greys `rect`: every cell dim and without colour (data the console can no longer vouch for).
    public mutating func fade(_ rect: Rect) {
        for y in max(0, rect.y)..<min(height, rect.maxY) {
            for x in max(0, rect.x)..<min(width, rect.maxX) {
                var cell = self[x, y]
                cell.style = Style(dim: true)
                self[x, y] = cell
            }
        }
    }

    /// Fills `rect` with `character` (a space by default).
    public mutating func fill(_ rect: Rect, with character: Character = " ", style: Style = .plain) {
        for y in max(0, rect.y)..<min(height, rect.maxY) {
            for x in max(0, rect.x)..<min(width, rect.maxX) { self[x, y] = Cell(String(character), style: style) }
        }
    }

    /// A view drawn over the panes (the rules, the verdicts): `area` cleared and framed in cyan with `title`;
    /// returns the area inside the frame.
    mutating func view(_ area: Rect, title: String) -> Rect {
        fill(area)
        box(area, title: title, style: Style(foreground: .cyan, bold: true), titleStyle: Style(foreground: .cyan, bold: true, reverse: true))
        return area.inset(by: 1)
    }

    /// A frame around `rect` with `title` in its top edge.
    public mutating func box(_ rect: Rect, title: String? = nil, style: Style = .plain, titleStyle: Style? = nil) {
        guard rect.width >= 2, rect.height >= 2 else { return }
        let (horizontal, vertical, corners) = ascii ? ("-", "|", ["+", "+", "+", "+"]) : ("─", "│", ["┌", "┐", "└", "┘"])
        for x in (rect.x + 1)..<(rect.maxX - 1) {
            self[x, rect.y] = Cell(horizontal, style: style)
            self[x, rect.maxY - 1] = Cell(horizontal, style: style)
        }
        for y in (rect.y + 1)..<(rect.maxY - 1) {
            self[rect.x, y] = Cell(vertical, style: style)
            self[rect.maxX - 1, y] = Cell(vertical, style: style)
        }
        self[rect.x, rect.y] = Cell(corners[0], style: style)
        self[rect.maxX - 1, rect.y] = Cell(corners[1], style: style)
        self[rect.x, rect.maxY - 1] = Cell(corners[2], style: style)
        self[rect.maxX - 1, rect.maxY - 1] = Cell(corners[3], style: style)
        if let title, rect.width > 4 {
            write(" " + TextWidth.truncate(title, to: rect.width - 4, ascii: ascii) + " ", x: rect.x + 1, y: rect.y, style: titleStyle ?? style,
                  limit: rect.width - 2)
        }
    }

    /// Row `y` as text (wide graphemes once, trailing spaces kept): what a test compares.
    public func line(_ y: Int) -> String {
        guard y >= 0, y < height else { return "" }
        return cells[(y * width)..<((y + 1) * width)].map(\.text).joined()
    }

    /// Every row as text.
    public var lines: [String] { (0..<height).map(line) }

    /// The rows whose cells differ from `previous` (all of them when the size changed), with the first and
    /// last changed column: what `Terminal` redraws.
    public func changes(since previous: Canvas?) -> [(y: Int, from: Int, to: Int)] {
        guard let previous, previous.width == width, previous.height == height else {
            return (0..<height).map { ($0, 0, width - 1) }
        }
        var changed: [(y: Int, from: Int, to: Int)] = []
        for y in 0..<height {
            let row = (y * width)..<((y + 1) * width)
            guard let first = row.first(where: { cells[$0] != previous.cells[$0] }) else { continue }
            let last = row.last(where: { cells[$0] != previous.cells[$0] })!
            changed.append((y, first - y * width, last - y * width))
        }
        return changed
    }
}
