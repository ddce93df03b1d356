import Foundation

extension CronExpression {
    /// The first time strictly after `date` at which the expression fires, in `timeZone`, or nil if it
    /// never fires again (before the end of 2199). Local times skipped by a daylight-saving change are
    /// not fired (as EventBridge Scheduler skips them); local times that happen twice fire once.
    public func nextFire(after date: Date, in timeZone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let start = calendar.dateComponents([.year, .month, .day], from: date)
        var day = CivilDate(year: start.year!, month: start.month!, day: start.day!)
        // At most one pass over every day up to the last year the syntax allows.
        while day.year <= Self.lastYear {
            guard day.year >= Self.firstYear, years[day.year] else {
                day = CivilDate(year: day.year + 1, month: 1, day: 1)
                continue
            }
            guard months[day.month] else {
                day = day.firstOfNextMonth
                continue
            }
            if matches(day) {
                for hour in 0..<24 where hours[hour] {
                    for minute in 0..<60 where minutes[minute] {
                        if let instant = Self.instant(day, hour: hour, minute: minute, calendar: calendar), instant > date {
                            return instant
                        }
                    }
                }
            }
            day = day.next
        }
        return nil
    }

    /// The instant of a local time, or nil when that local time does not exist in the zone (a spring-forward gap).
    static func instant(_ day: CivilDate, hour: Int, minute: Int, calendar: Calendar) -> Date? {
        let components = DateComponents(year: day.year, month: day.month, day: day.day, hour: hour, minute: minute, second: 0)
        guard let date = calendar.date(from: components) else { return nil }
        let back = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        guard back.year == day.year, back.month == day.month, back.day == day.day, back.hour == hour, back.minute == minute else { return nil }
        return date
    }

    func matches(_ day: CivilDate) -> Bool {
        let length = day.daysInMonth
        let weekday = day.weekday
        switch dayOfMonth {
        case .unspecified:
            break
        case .days(let table):
            return table[day.day]
        case .last:
            return day.day == length
        case .lastWeekday:
            let lastWeekday = CivilDate(year: day.year, month: day.month, day: length).weekday
            let target = lastWeekday == 7 ? length - 1 : lastWeekday == 1 ? length - 2 : length
            return day.day == target
        case .nearestWeekday(let wanted):
            guard wanted <= length else { return false }
            let weekdayOfWanted = CivilDate(year: day.year, month: day.month, day: wanted).weekday
            var target = wanted
            if weekdayOfWanted == 7 { target = wanted == 1 ? 3 : wanted - 1 }
            if weekdayOfWanted == 1 { target = wanted == length ? wanted - 2 : wanted + 1 }
            return day.day == target
        }
        switch dayOfWeek {
        case .unspecified:
            return true
        case .days(let table):
            return table[weekday]
        case .last(let wanted):
            return weekday == wanted && day.day + 7 > length
        case let .nth(wanted, n):
            return weekday == wanted && (day.day - 1) / 7 + 1 == n
        }
    }
}

/// A calendar date without a time zone, with the arithmetic cron needs.
struct CivilDate: Equatable {
    var year: Int
    var month: Int
    var day: Int

    var isLeapYear: Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    var daysInMonth: Int {
        switch month {
        case 2: isLeapYear ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    var next: CivilDate {
        day < daysInMonth ? CivilDate(year: year, month: month, day: day + 1) : firstOfNextMonth
    }

    var firstOfNextMonth: CivilDate {
        month == 12 ? CivilDate(year: year + 1, month: 1, day: 1) : CivilDate(year: year, month: month + 1, day: 1)
    }

    /// 1 = Sunday … 7 = Saturday.
    var weekday: Int {
        // Days since 1970-01-01 (a Thursday), by the era-based civil calendar algorithm.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        let thursdayBased = ((days % 7) + 7) % 7
        return (thursdayBased + 4) % 7 + 1
    }
}
