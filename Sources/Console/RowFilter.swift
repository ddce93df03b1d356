import Foundation

/// A pane's `/` filter, after k9s: a regular expression over the row (case-insensitive; text that is not a
/// valid expression matches as plain text), `column:value` to look in one column (`source:manual`,
/// `state:compensated`), and a leading `!` to keep the rows that do not match.
public struct RowFilter {
    public let inverted: Bool
    /// The column looked in (its title, lower-cased); nil: the whole row and its key.
    public let column: String?
    /// The expression, or nil when the text is not one (then `needle` is matched as plain text).
    private let expression: Regex<AnyRegexOutput>?
    private let needle: String

    /// A row's cells are looked at up to this many characters each: the operator's expression runs over text
    /// that clients sent (paths, reasons), and must not be handed arbitrarily long input.
    static let cellLimit = 512

    public init(_ text: String, columns: [String]) {
        var rest = Substring(text)
        inverted = rest.hasPrefix("!")
        if inverted { rest = rest.dropFirst() }
        var column: String?
        if let colon = rest.firstIndex(of: ":"), columns.contains(rest[..<colon].lowercased()) {
            column = rest[..<colon].lowercased()
            rest = rest[rest.index(after: colon)...]
        }
        self.column = column
        needle = rest.lowercased()
        expression = try? Regex(String(rest)).ignoresCase()
    }

    /// Whether the filter keeps a row with these cells (under these column titles) and key.
    public func keeps(cells: [String], titles: [String], key: String) -> Bool {
        guard !needle.isEmpty else { return true }
        let text: String
        if let column, let index = titles.firstIndex(where: { $0.lowercased() == column }), index < cells.count {
            text = String(cells[index].prefix(Self.cellLimit))
        } else {
            text = (cells + [key]).map { String($0.prefix(Self.cellLimit)) }.joined(separator: " ")
        }
        let found = expression.map { text.contains($0) } ?? text.lowercased().contains(needle)
        return found != inverted
    }
}

/// A pane's sort: by one column, ascending or descending; numbers, rates (`3.4k`) and ages (`12m`) by value.
public struct RowSort: Sendable, Equatable {
    public var column: Int
    public var descending: Bool

    public init(column: Int, descending: Bool = false) {
        self.column = column
        self.descending = descending
    }

    /// The order of `indices` of `cells` under this sort (stable: equal rows keep the pane's own order).
    func order(_ cells: [[String]]) -> [Int] {
        let keys = cells.map { row in Self.key(column < row.count ? row[column] : "") }
        return cells.indices.sorted { a, b in
            let (x, y) = (keys[a], keys[b])
            if x == y { return a < b }
            return descending ? y < x : x < y
        }
    }

    /// A cell's sort key: a number when the cell reads as one (with k/M or s/m/h/d units), else its text.
    enum Key: Comparable {
        case number(Double)
        case text(String)
    }

    static func key(_ cell: String) -> Key {
        let text = cell.trimmingCharacters(in: .whitespaces)
        if let value = Double(text) { return .number(value) }
        let units: [Character: Double] = ["k": 1e3, "M": 1e6, "s": 1, "m": 60, "h": 3600, "d": 86_400]
        if let unit = text.last, let factor = units[unit], let value = Double(text.dropLast()) { return .number(value * factor) }
        if text.hasSuffix("ms"), let value = Double(text.dropLast(2)) { return .number(value / 1000) }
        return .text(text.lowercased())
    }
}
