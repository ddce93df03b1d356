import Foundation

/// What a proposed change to a WAF rule would have done to recent traffic — a detector switched from count to
/// block, a rate limit tightened — replayed from what the shop kept: the requests it would refuse (or let
/// through), from which addresses, and which of those addresses belong to paying customers (accounts with
/// confirmed orders in the last hour). Shown before the change is confirmed.
public struct RulePreview: Sendable, Codable, Equatable {
    public struct Address: Sendable, Codable, Equatable {
        public var address: String
        public var requests: Int
        /// Accounts behind the address with confirmed orders in the last hour.
        public var payingAccounts: [String]
        public var confirmedOrders: Int
        /// Those orders' totals, in the catalogue's minor unit.
        public var revenue: Int

        public init(address: String, requests: Int, payingAccounts: [String] = [], confirmedOrders: Int = 0, revenue: Int = 0) {
            self.address = address
            self.requests = requests
            self.payingAccounts = payingAccounts
            self.confirmedOrders = confirmedOrders
            self.revenue = revenue
        }
    }

    public enum Effect: String, Sendable, Codable {
        /// The change would refuse these requests.
        case refused
        /// The change would let these requests through.
        case letThrough
        /// The change alters nothing the shop can replay.
        case none
    }

    public var rule: String
    /// The proposed action and, for a rate rule, limit.
    public var action: String
    public var limit: Int?
    /// What was replayed: "the 37 matches in the WAF's log since 12:03:10 UTC", "the current 300-s window".
    public var basis: String
    public var effect: Effect
    public var requests: Int
    /// Paying customers first, then the busiest; at most a page.
    public var addresses: [Address]
    public var addressCount: Int

    public init(rule: String, action: String, limit: Int?, basis: String, effect: Effect, requests: Int, addresses: [Address], addressCount: Int) {
        self.rule = rule
        self.action = action
        self.limit = limit
        self.basis = basis
        self.effect = effect
        self.requests = requests
        self.addresses = addresses
        self.addressCount = addressCount
    }

    /// Addresses among `addresses` that belong to paying customers.
    public var paying: [Address] { addresses.filter { $0.confirmedOrders > 0 } }

    /// One line for the question that confirms the change: "would have refused 37 requests from 5 addresses
    /// (the 37 matches in the WAF's log since 12:03:10 UTC) — 2 paying customers: 127.0.50.1, 127.0.50.2".
    public var summary: String {
        guard effect != .none else { return "nothing recent to replay (\(basis))" }
        let verb = effect == .refused ? "would have refused" : "would have let through"
        var text = "\(verb) \(requests) request\(requests == 1 ? "" : "s") from \(addressCount) address\(addressCount == 1 ? "" : "es") (\(basis))"
        let paying = paying
        guard effect == .refused else { return text }
        if paying.isEmpty {
            text += " — no paying customer among them"
        } else {
            let orders = paying.reduce(0) { $0 + $1.confirmedOrders }
            text += " — \(paying.count) paying customer\(paying.count == 1 ? "" : "s") (\(orders) confirmed order\(orders == 1 ? "" : "s") in the last hour): "
                + paying.prefix(3).map(\.address).joined(separator: ", ") + (paying.count > 3 ? ", …" : "")
        }
        return text
    }
}
