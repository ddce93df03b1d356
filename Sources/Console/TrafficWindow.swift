import Dashboard

/// The time Traffic and the WAF rules view cover (`t` steps through them), after GoAccess's and Cloudflare's
/// duration pickers: the sliding minute, or the last 5 minutes, hour or day, which the shop keeps in bounded
/// memory (`TrafficWindows`).
public enum TrafficWindow: Int, CaseIterable, Sendable {
    case minute = 60
    case fiveMinutes = 300
    case hour = 3600
    case day = 86_400

    /// The window from a snapshot's `windowSeconds` (nil: the sliding minute).
    public init(seconds: Int?) {
        self = seconds.flatMap(TrafficWindow.init(rawValue:)) ?? .minute
    }

    /// What the console asks the shop for: nil for the sliding minute, every snapshot's default.
    public var seconds: Int? { self == .minute ? nil : rawValue }

    /// `1 min`, `5 min`, `1 h`, `24 h`.
    public var label: String {
        switch self {
        case .minute: "1 min"
        case .fiveMinutes: "5 min"
        case .hour: "1 h"
        case .day: "24 h"
        }
    }

    /// A count column's title: `req/min` for the sliding minute, `req/1 h` for a window.
    var countTitle: String { self == .minute ? "req/min" : "req/" + label.replacingOccurrences(of: " ", with: "") }

    /// The next window `t` goes to.
    var next: TrafficWindow { Self.allCases[(Self.allCases.firstIndex(of: self)! + 1) % Self.allCases.count] }
}
