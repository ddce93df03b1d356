import Foundation
import Testing
@testable import Workflow

private let utc = TimeZone(identifier: "UTC")!
private let newYork = TimeZone(identifier: "America/New_York")!

private func date(_ text: String) -> Date {
    let formatter = ISO8601DateFormatter()
    return formatter.date(from: text)!
}

private func iso(_ date: Date) -> String {
    ISO8601DateFormatter().string(from: date)
}

/// The next `count` fires after `start`.
private func fires(_ text: String, after start: String, count: Int, zone: TimeZone = utc) throws -> [String] {
    let expression = try ScheduleExpression(parsing: text)
    var result: [String] = []
    var cursor = date(start)
    let origin = cursor
    for _ in 0..<count {
        guard let next = expression.nextFire(after: cursor, start: origin, timeZone: zone) else { break }
        result.append(iso(next))
        cursor = next
    }
    return result
}

@Suite struct CronExamplesFromTheAWSDocumentation {
    // 2026-11-29 is a Sunday.
    @Test func tenEveryMorning() throws {
        #expect(try fires("cron(0 10 * * ? *)", after: "2026-11-29T10:00:00Z", count: 2) == ["2026-11-30T10:00:00Z", "2026-12-01T10:00:00Z"])
    }

    @Test func quarterPastNoon() throws {
        #expect(try fires("cron(15 12 * * ? *)", after: "2026-11-29T00:00:00Z", count: 1) == ["2026-11-29T12:15:00Z"])
    }

    @Test func sixPMOnWeekdays() throws {
        #expect(try fires("cron(0 18 ? * MON-FRI *)", after: "2026-11-27T18:00:00Z", count: 2) == ["2026-11-30T18:00:00Z", "2026-12-01T18:00:00Z"])
    }

    @Test func eightAMOnTheFirstOfTheMonth() throws {
        #expect(try fires("cron(0 8 1 * ? *)", after: "2026-11-29T00:00:00Z", count: 2) == ["2026-12-01T08:00:00Z", "2027-01-01T08:00:00Z"])
    }

    @Test func everyFifteenMinutes() throws {
        #expect(try fires("cron(0/15 * * * ? *)", after: "2026-11-29T10:07:00Z", count: 3)
                == ["2026-11-29T10:15:00Z", "2026-11-29T10:30:00Z", "2026-11-29T10:45:00Z"])
    }

    @Test func everyFiveMinutesInOfficeHoursOnWeekdays() throws {
        let next = try fires("cron(0/5 8-17 ? * MON-FRI *)", after: "2026-11-27T17:54:00Z", count: 2)
        #expect(next == ["2026-11-27T17:55:00Z", "2026-11-30T08:00:00Z"])
    }

    @Test func nineOnTheFirstMondayOfTheMonth() throws {
        #expect(try fires("cron(0 9 ? * 2#1 *)", after: "2026-11-29T00:00:00Z", count: 2) == ["2026-12-07T09:00:00Z", "2027-01-04T09:00:00Z"])
    }
}

@Suite struct CronSpecialCharacters {
    @Test func lastDayAndLastWeekdayOfTheMonth() throws {
        #expect(try fires("cron(0 0 L * ? *)", after: "2027-02-01T00:00:00Z", count: 2) == ["2027-02-28T00:00:00Z", "2027-03-31T00:00:00Z"])
        #expect(try fires("cron(0 0 L * ? *)", after: "2028-02-01T00:00:00Z", count: 1) == ["2028-02-29T00:00:00Z"])
        // 2026-05-31 is a Sunday: the last weekday is Friday the 29th.
        #expect(try fires("cron(0 0 LW * ? *)", after: "2026-05-01T00:00:00Z", count: 1) == ["2026-05-29T00:00:00Z"])
    }

    @Test func nearestWeekdayStaysInTheMonth() throws {
        // 2026-08-15 is a Saturday -> Friday 14th; 2026-11-01 is a Sunday -> Monday 2nd; 2026-08-01 is a Saturday -> Monday 3rd.
        #expect(try fires("cron(0 0 15W * ? *)", after: "2026-08-01T00:00:00Z", count: 1) == ["2026-08-14T00:00:00Z"])
        #expect(try fires("cron(0 0 1W * ? *)", after: "2026-10-15T00:00:00Z", count: 1) == ["2026-11-02T00:00:00Z"])
        #expect(try fires("cron(0 0 1W * ? *)", after: "2026-07-15T00:00:00Z", count: 1) == ["2026-08-03T00:00:00Z"])
    }

    @Test func lastGivenWeekdayAndNames() throws {
        // Last Friday of December 2026 is the 25th.
        #expect(try fires("cron(0 12 ? DEC 6L *)", after: "2026-01-01T00:00:00Z", count: 1) == ["2026-12-25T12:00:00Z"])
        #expect(try fires("cron(30 9 ? JAN,JUL SAT 2027)", after: "2026-11-29T00:00:00Z", count: 1) == ["2027-01-02T09:30:00Z"])
        #expect(try fires("cron(0 0 29 2 ? 2026-2027)", after: "2026-01-01T00:00:00Z", count: 1).isEmpty, "no 29 February in those years")
    }
}

@Suite struct DaylightSavingTime {
    @Test func aLocalTimeSkippedInSpringIsNotFired() throws {
        // New York moves from 02:00 to 03:00 on 2026-03-08.
        #expect(try fires("cron(30 2 * * ? *)", after: "2026-03-07T00:00:00Z", count: 2, zone: newYork)
                == ["2026-03-07T07:30:00Z", "2026-03-09T06:30:00Z"])
    }

    @Test func aLocalTimeRepeatedInAutumnFiresOnce() throws {
        // New York moves from 02:00 back to 01:00 on 2026-11-01: 01:30 happens twice, fires once.
        let half = try fires("cron(30 1 * * ? *)", after: "2026-10-31T12:00:00Z", count: 2, zone: newYork)
        #expect(half.count == 2 && half[1].hasPrefix("2026-11-02"))
        // Every 30 minutes from 00:00 EDT to 03:00 EST: the local times 00:00 … 03:00, seven fires, not nine.
        let window = try fires("cron(0/30 * * * ? *)", after: "2026-11-01T03:59:00Z", count: 12, zone: newYork)
            .filter { $0 <= "2026-11-01T08:00:00Z" }
        #expect(window.count == 7, "\(window)")
    }

    @Test func ratesCountRealTimeAcrossTheChange() throws {
        let next = try fires("rate(1 day)", after: "2026-03-07T12:00:00Z", count: 2, zone: newYork)
        #expect(next == ["2026-03-08T12:00:00Z", "2026-03-09T12:00:00Z"])
    }

    @Test func atIsLocalToTheZone() throws {
        #expect(try fires("at(2026-12-24T18:00:00)", after: "2026-11-29T00:00:00Z", count: 2, zone: TimeZone(identifier: "Asia/Tokyo")!)
                == ["2026-12-24T09:00:00Z"])
    }
}

@Suite struct ScheduleExpressionErrors {
    @Test(arguments: [
        ("cron(0 10 * * * *)", "day-of-month and day-of-week"),
        ("cron(0 10 ? * ? *)", "day-of-month and day-of-week"),
        ("cron(60 10 * * ? *)", "minutes"),
        ("cron(0 24 * * ? *)", "hours"),
        ("cron(0 0 32 * ? *)", "day-of-month"),
        ("cron(0 0 ? FOO * *)", "month"),
        ("cron(0 0 ? * 8 *)", "day-of-week"),
        ("cron(0 0 ? * 2#6 *)", "day-of-week"),
        ("cron(0 0 * * ? 1969)", "year"),
        ("cron(0 0 * * ?)", "fields"),
        ("cron(5-1 0 * * ? *)", "minutes"),
        ("cron(*/0 0 * * ? *)", "minutes"),
        ("rate(5 minute)", "unit"),
        ("rate(1 hours)", "unit"),
        ("rate(0 hours)", "value"),
        ("rate(2 weeks)", "unit"),
        ("at(2026-02-30T00:00:00)", "at"),
        ("every(5 minutes)", "expression"),
        ("cron 0 10 * * ? *", "expression"),
    ])
    func errorsNameTheField(text: String, field: String) {
        #expect {
            try ScheduleExpression(parsing: text)
        } throws: { error in
            guard case .invalidExpression(_, let named, _) = error as? WorkflowError else { return false }
            return named == field
        }
    }

    @Test func descriptionsRoundTrip() throws {
        for text in ["rate(5 minutes)", "cron(0/15 * * * ? *)", "at(2026-12-01T09:00:00)"] {
            #expect(try ScheduleExpression(parsing: text).description == text)
        }
    }
}
