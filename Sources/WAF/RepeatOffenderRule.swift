import Foundation
import Synchronization

/// Blocks an address whose requests a detector keeps blocking: `threshold` detector blocks within
/// `windowSeconds` put the address in the IP set for `blockSeconds`, with the detector as the block's
/// source. A scanner probing with injections is then stopped outright instead of being inspected request
/// by request; one stray false positive from a shopper (needing `threshold` within the window) is not.
/// In `count` mode it logs the block it would have made.
public final class RepeatOffenderRule: Sendable {
    public static let name = "repeat-offender"
    public let blockSeconds: Int
    static let maximumTracked = 10_000
    private let settings: Mutex<RateRule.Settings>
    private let offences = Mutex<[[UInt8]: [Date]]>([:])
    private let actionCell = RuleActionCell()

    public init(threshold: Int = 5, windowSeconds: Int = 300, blockSeconds: Int = 900) {
        settings = Mutex(RateRule.Settings(limit: threshold, windowSeconds: windowSeconds))
        self.blockSeconds = blockSeconds
    }

    /// The threshold (as `limit`) and the window.
    public var current: RateRule.Settings { settings.withLock { $0 } }

    /// Changes the threshold or the window (both checked by the caller).
    public func update(threshold: Int?, windowSeconds: Int?) {
        settings.withLock { s in
            if let threshold { s.limit = threshold }
            if let windowSeconds { s.windowSeconds = windowSeconds }
        }
    }

    /// The rule's action; `off` forgets nothing but blocks nobody.
    public var action: RuleAction {
        get { actionCell.value }
        set { actionCell.value = newValue }
    }

    /// Notes a detector block of `address`; true when that makes `threshold` within the window (the
    /// address's history then starts again).
    func noteOffence(_ address: [UInt8], now: Date) -> Bool {
        let (threshold, window) = settings.withLock { ($0.limit, Double($0.windowSeconds)) }
        return offences.withLock { table in
            var times = (table[address] ?? []).filter { now.timeIntervalSince($0) < window }
            times.append(now)
            guard times.count < threshold else {
                table[address] = nil
                return true
            }
            table[address] = times
            if table.count > Self.maximumTracked {
                table = table.filter { $0.value.last.map { now.timeIntervalSince($0) < window } ?? false }
                if table.count > Self.maximumTracked { table.removeAll() }
            }
            return false
        }
    }
}
