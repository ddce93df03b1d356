import Foundation

/// When a schedule fires: `rate(…)`, `cron(…)` or `at(…)`, as EventBridge Scheduler writes them.
public enum ScheduleExpression: Sendable, Equatable, CustomStringConvertible {
    /// Every `seconds`, counted from the schedule's start (a day is 24 hours, whatever the clocks do).
    case rate(seconds: Double, text: String)
    case cron(CronExpression)
    /// Once, at this local date and time in the schedule's zone.
    case at(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int)

    /// Parses `rate(5 minutes)`, `cron(0 10 * * ? *)` or `at(2026-12-01T09:00:00)`; errors name the bad part.
    public init(parsing text: String) throws(WorkflowError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        func fail(_ field: String, _ reason: String) -> WorkflowError { .invalidExpression(expression: text, field: field, reason: reason) }
        guard let open = trimmed.firstIndex(of: "("), trimmed.hasSuffix(")") else {
            throw fail("expression", "expected rate(...), cron(...) or at(...)")
        }
        let kind = trimmed[..<open]
        let inside = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
        switch kind {
        case "rate":
            let parts = inside.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 2 else { throw fail("rate", "expected a value and a unit, like rate(5 minutes)") }
            guard let value = Int(parts[0]), value > 0 else { throw fail("value", "\"\(parts[0])\" must be a positive whole number") }
            let unitSeconds: Double
            switch parts[1] {
            case "minute", "minutes": unitSeconds = 60
            case "hour", "hours": unitSeconds = 3600
            case "day", "days": unitSeconds = 86_400
            default: throw fail("unit", "\"\(parts[1])\" must be minute(s), hour(s) or day(s)")
            }
            guard (value == 1) == !parts[1].hasSuffix("s") else {
                throw fail("unit", value == 1 ? "use the singular unit with 1, like rate(1 hour)" : "use the plural unit with values above 1, like rate(5 hours)")
            }
            self = .rate(seconds: Double(value) * unitSeconds, text: text)
        case "cron":
            self = .cron(try CronExpression(fields: inside))
        case "at":
            let pattern = inside.split(omittingEmptySubsequences: false) { $0 == "-" || $0 == "T" || $0 == ":" }
            guard pattern.count == 6, inside.count == 19, let year = Int(pattern[0]), let month = Int(pattern[1]), let day = Int(pattern[2]),
                  let hour = Int(pattern[3]), let minute = Int(pattern[4]), let second = Int(pattern[5]) else {
                throw fail("at", "expected yyyy-mm-ddThh:mm:ss")
            }
            guard (1...12).contains(month), (1...CivilDate(year: year, month: month, day: 1).daysInMonth).contains(day),
                  (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second) else {
                throw fail("at", "\(inside) is not a real date and time")
            }
            self = .at(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        default:
            throw fail("expression", "unknown schedule type \"\(kind)\"; use rate, cron or at")
        }
    }

    public var description: String {
        switch self {
        case .rate(_, let text): text
        case .cron(let cron): "cron(\(cron.text))"
        case let .at(year, month, day, hour, minute, second):
            String(format: "at(%04d-%02d-%02dT%02d:%02d:%02d)", year, month, day, hour, minute, second)
        }
    }

    /// The first fire strictly after `date`. Rates count whole intervals from `start`.
    public func nextFire(after date: Date, start: Date, timeZone: TimeZone) -> Date? {
        switch self {
        case .rate(let seconds, _):
            guard date >= start else { return start }
            let intervals = ((date.timeIntervalSince(start)) / seconds).rounded(.down) + 1
            return start.addingTimeInterval(intervals * seconds)
        case .cron(let cron):
            return cron.nextFire(after: date, in: timeZone)
        case let .at(year, month, day, hour, minute, second):
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = timeZone
            guard let instant = CronExpression.instant(CivilDate(year: year, month: month, day: day), hour: hour, minute: minute, calendar: calendar)?
                .addingTimeInterval(Double(second)) else { return nil }
            return instant > date ? instant : nil
        }
    }
}
