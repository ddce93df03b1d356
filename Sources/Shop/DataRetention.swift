import Foundation
import Store

/// How long the shop keeps what shoppers leave behind. A kept record carries its expiry in `expiresAt`, its
/// table's time-to-live attribute, so the store hides it once expired and its maintenance removes it.
///
/// The defaults are a shop's: browsing for the recommender's year of training data and a margin, order
/// idempotency keys for a day (a retry after that is a new order), orders and drops for good. The demo keeps
/// everything for a rolling window instead: its simulated shoppers write ~1,600 records a minute into a store
/// that holds every item in memory, and a demo left running should not grow for as long as it runs.
public struct DataRetention: Sendable, Equatable {
    /// The attribute every expiring record carries (epoch seconds).
    static let attribute = "expiresAt"

    /// Views, cart adds and purchases in `interactions`.
    public var interactionsSeconds: Double = 400 * 86_400
    /// `Idempotency-Key`s of order requests.
    public var idempotencyKeysSeconds: Double = 86_400
    /// Orders with their reservation and payment records, and drops with their entries; nil keeps them.
    public var ordersSeconds: Double?

    public init() {}

    /// Everything kept `seconds` (at least a minute, so no record expires under a checkout or a drop still
    /// in progress).
    public static func rollingWindow(seconds: Double) -> DataRetention {
        let window = max(seconds, 60)
        var retention = DataRetention()
        retention.interactionsSeconds = window
        retention.idempotencyKeysSeconds = min(retention.idempotencyKeysSeconds, window)
        retention.ordersSeconds = window
        return retention
    }

    /// The expiry attribute of an order-related record made at `start`, or none when orders are kept.
    func orderExpiry(from start: Date) -> Item {
        ordersSeconds.map { Self.expiry(start, after: $0) } ?? [:]
    }

    /// `["expiresAt": start + seconds]`, whole epoch seconds.
    static func expiry(_ start: Date, after seconds: Double) -> Item {
        [attribute: .number(Int((start.timeIntervalSince1970 + seconds).rounded(.down)))]
    }
}
