import Foundation
import FuzzSupport
import Testing
@testable import Workflow

/// Seeded fuzzing of schedule expressions (issue 16): refused with a clear error or parsed into a schedule
/// whose next fires move forward.
@Suite struct CronFuzzTests {
    static let pieces = ["cron(", "rate(", "at(", ")", " ", "*", "?", "/", "-", ",", "L", "W", "#", "0", "5", "59", "60", "24", "31", "32", "12", "13",
                         "1970", "2199", "2200", "JAN", "DEC", "MON", "SUN", "MON-FRI", "1-5/2", "*/15", "5 minutes", "1 hour", "0 days",
                         "2026-12-01T09:00:00", "2026-02-30T25:61:61", "99999999999999999999"]

    @Test func scheduleExpressionsAreParsedOrRefusedAndNextFiresMoveForward() {
        let zones = ["UTC", "Asia/Tokyo", "Europe/London", "America/New_York"].compactMap(TimeZone.init(identifier:))
        Fuzz.run("schedule expressions", defaultCases: 3000) { generator, index in
            let text = generator.string(pieces: Self.pieces, maximum: 120)
            guard let expression = try? ScheduleExpression(parsing: text) else { return }
            let zone = generator.pick(zones)
            let start = Date(timeIntervalSince1970: Double(generator.int(0...4_000_000_000)))
            var previous = start
            for _ in 0..<3 {
                guard let next = expression.nextFire(after: previous, start: start, timeZone: zone) else { break }
                #expect(next > previous, "case \(index): \(text) fired at \(next), not after \(previous)")
                previous = next
            }
        }
    }
}
