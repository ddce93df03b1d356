import Foundation
import FuzzEntry
import Workflow

/// libFuzzer entry point for schedule expressions (`cron(…)`, `rate(…)`, `at(…)`): parsed or refused, and a
/// parsed schedule's next fires move forward. Built with `-DFUZZING -sanitize=fuzzer` by
/// `assets/fuzz/libfuzzer.sh schedules`; otherwise it replays files.
enum FuzzSchedules {
    static let zone = TimeZone(identifier: "Europe/London") ?? .current

    static func one(_ bytes: [UInt8]) {
        guard let expression = try? ScheduleExpression(parsing: String(decoding: bytes, as: UTF8.self)) else { return }
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        var previous = start
        for _ in 0..<3 {
            guard let next = expression.nextFire(after: previous, start: start, timeZone: zone) else { return }
            precondition(next > previous, "\(expression) fired at \(next), not after \(previous)")
            previous = next
        }
    }
}

@main enum MainSchedules {
    static func main() { FuzzEntry.main(FuzzSchedules.one) }
}
