import Telemetry

/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) for the `Date` header.
enum HTTPDate {
    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// The date for whole seconds since the Unix epoch (UTC).
    static func format(epochSeconds: Int64) -> String {
        let time = CivilTime(epochSeconds: epochSeconds)
        return "\(weekdays[Int(time.weekday)]), \(twoDigits(time.day)) \(months[Int(time.month) - 1]) \(time.year) "
            + "\(twoDigits(time.hour)):\(twoDigits(time.minute)):\(twoDigits(time.second)) GMT"
    }

    private static func twoDigits(_ value: Int64) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }
}
