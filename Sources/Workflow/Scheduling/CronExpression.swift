import Foundation

/// An EventBridge cron expression: `minutes hours day-of-month month day-of-week year`, with AWS's rules —
/// `*` `,` `-` `/` everywhere, `?` in exactly one of day-of-month and day-of-week, `L` and `W` in
/// day-of-month (`L`, `LW`, `15W`), `L` and `#` in day-of-week (`L`, `6L`, `2#1`), month names `JAN`–`DEC`,
/// day names `SUN`–`SAT` (1 = Sunday), years 1970–2199.
public struct CronExpression: Sendable, Equatable {
    enum DayOfMonth: Sendable, Equatable {
        case unspecified
        case days([Bool])
        case last
        case lastWeekday
        case nearestWeekday(Int)
    }

    enum DayOfWeek: Sendable, Equatable {
        case unspecified
        case days([Bool])
        /// The last given weekday of the month (`6L`: last Friday).
        case last(Int)
        /// The nth given weekday of the month (`2#1`: first Monday).
        case nth(weekday: Int, n: Int)
    }

    let minutes: [Bool]
    let hours: [Bool]
    let dayOfMonth: DayOfMonth
    let months: [Bool]
    let dayOfWeek: DayOfWeek
    let years: [Bool]
    /// The text between the parentheses.
    public let text: String

    static let firstYear = 1970, lastYear = 2199

    /// Parses the six fields (the text inside `cron(...)`).
    public init(fields text: String) throws(WorkflowError) {
        self.text = text
        let fields = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        let expression = "cron(\(text))"
        guard fields.count == 6 else {
            throw .invalidExpression(expression: expression, field: "fields", reason: "expected 6 fields (minutes hours day-of-month month day-of-week year), got \(fields.count)")
        }
        func fail(_ field: String, _ reason: String) -> WorkflowError {
            .invalidExpression(expression: expression, field: field, reason: reason)
        }
        minutes = try Self.values(fields[0], range: 0...59, names: [:]) { fail("minutes", $0) }
        hours = try Self.values(fields[1], range: 0...23, names: [:]) { fail("hours", $0) }
        months = try Self.values(fields[3], range: 1...12, names: Self.monthNames) { fail("month", $0) }
        years = try Self.values(fields[5], range: Self.firstYear...Self.lastYear, names: [:]) { fail("year", $0) }

        let dom = fields[2].uppercased(), dow = fields[4].uppercased()
        guard (dom == "?") != (dow == "?") else {
            throw fail(dom == "?" ? "day-of-month and day-of-week" : "day-of-month and day-of-week",
                       "exactly one of them must be '?' (you cannot give both, or neither)")
        }
        switch dom {
        case "?": dayOfMonth = .unspecified
        case "L": dayOfMonth = .last
        case "LW": dayOfMonth = .lastWeekday
        case _ where dom.hasSuffix("W"):
            guard let day = Int(dom.dropLast()), (1...31).contains(day) else { throw fail("day-of-month", "'W' needs a day 1-31 before it, like 15W") }
            dayOfMonth = .nearestWeekday(day)
        default:
            dayOfMonth = .days(try Self.values(dom, range: 1...31, names: [:]) { fail("day-of-month", $0) })
        }
        switch dow {
        case "?": dayOfWeek = .unspecified
        case "L": dayOfWeek = .last(7)
        case _ where dow.hasSuffix("L"):
            guard let day = Self.weekday(String(dow.dropLast())) else { throw fail("day-of-week", "'L' needs a day 1-7 or SUN-SAT before it, like 6L") }
            dayOfWeek = .last(day)
        case _ where dow.contains("#"):
            let parts = dow.split(separator: "#")
            guard parts.count == 2, let day = Self.weekday(String(parts[0])), let n = Int(parts[1]), (1...5).contains(n) else {
                throw fail("day-of-week", "'#' takes a day and an occurrence 1-5, like 2#1 for the first Monday")
            }
            dayOfWeek = .nth(weekday: day, n: n)
        default:
            dayOfWeek = .days(try Self.values(dow, range: 1...7, names: Self.dayNames) { fail("day-of-week", $0) })
        }
    }

    static let monthNames = ["JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12]
    static let dayNames = ["SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7]

    private static func weekday(_ text: String) -> Int? {
        if let number = Int(text), (1...7).contains(number) { return number }
        return dayNames[text]
    }

    /// A field of lists, ranges and steps, as a membership table indexed by value.
    private static func values(_ field: String, range: ClosedRange<Int>, names: [String: Int],
                               fail: (String) -> WorkflowError) throws(WorkflowError) -> [Bool] {
        var table = [Bool](repeating: false, count: range.upperBound + 1)
        func number(_ text: Substring) throws(WorkflowError) -> Int {
            let upper = text.uppercased()
            if let value = Int(upper) ?? names[upper] {
                guard range.contains(value) else { throw fail("\(value) is outside \(range.lowerBound)-\(range.upperBound)") }
                return value
            }
            throw fail("\"\(text)\" is not a number\(names.isEmpty ? "" : " or a name") in \(range.lowerBound)-\(range.upperBound)")
        }
        for part in field.split(separator: ",", omittingEmptySubsequences: false) {
            guard !part.isEmpty else { throw fail("empty list element") }
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw fail("more than one '/' in \"\(part)\"") }
            var step = 1
            if pieces.count == 2 {
                guard let value = Int(pieces[1]), value > 0 else { throw fail("step \"\(pieces[1])\" must be a positive number") }
                step = value
            }
            let base = pieces[0]
            var low: Int, high: Int
            if base == "*" {
                (low, high) = (range.lowerBound, range.upperBound)
            } else if let dash = base.firstIndex(of: "-") {
                low = try number(base[..<dash])
                high = try number(base[base.index(after: dash)...])
                guard low <= high else { throw fail("range \(low)-\(high) runs backwards") }
            } else {
                low = try number(base)
                high = pieces.count == 2 ? range.upperBound : low
            }
            for value in stride(from: low, through: high, by: step) { table[value] = true }
        }
        return table
    }
}
