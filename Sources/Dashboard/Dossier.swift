import Foundation

/// Who stands behind an address or range over the last hour, from what the shop saw it do: the accounts it
/// signed in to (or tried to), their orders and how checkout ended them, drop entries — what a block would
/// cut off. Only one process holds this for its own traffic: on a shared backend each instance knows the
/// requests it answered.
public struct Dossier: Sendable, Codable, Equatable {
    /// One account seen from the address.
    public struct Account: Sendable, Codable, Equatable {
        /// The user id; for sign-ins that failed, the email tried (there may be no such account).
        public var account: String
        public var signIns: Int
        public var failedSignIns: Int
        public var lockouts: Int
        public var orders: Int
        public var confirmedOrders: Int
        /// The confirmed orders' totals, in the catalogue's minor unit.
        public var revenue: Int
        public var dropEntries: Int
        public var lastSeen: Date

        public init(account: String, signIns: Int = 0, failedSignIns: Int = 0, lockouts: Int = 0, orders: Int = 0, confirmedOrders: Int = 0,
                    revenue: Int = 0, dropEntries: Int = 0, lastSeen: Date) {
            self.account = account
            self.signIns = signIns
            self.failedSignIns = failedSignIns
            self.lockouts = lockouts
            self.orders = orders
            self.confirmedOrders = confirmedOrders
            self.revenue = revenue
            self.dropEntries = dropEntries
            self.lastSeen = lastSeen
        }
    }

    /// The address or range, as given.
    public var network: String
    public var windowSeconds: Int
    /// Most active first (orders, then sign-ins), at most a page of them.
    public var accounts: [Account]
    /// How many accounts there were in all (`accounts` may be cut).
    public var accountCount: Int

    public init(network: String, windowSeconds: Int, accounts: [Account], accountCount: Int) {
        self.network = network
        self.windowSeconds = windowSeconds
        self.accounts = accounts
        self.accountCount = accountCount
    }

    public var confirmedOrders: Int { accounts.reduce(0) { $0 + $1.confirmedOrders } }
    public var revenue: Int { accounts.reduce(0) { $0 + $1.revenue } }

    /// What blocking the range would cut off, in one line: "127.77.0.0/24 placed 14 confirmed orders (1,204.50)
    /// from 9 accounts in the last hour; 3 drop entries", or that it did nothing a customer does.
    public var impact: String {
        let buyers = accounts.filter { $0.confirmedOrders > 0 }.count
        let signedIn = accounts.filter { $0.signIns > 0 }.count
        let entries = accounts.reduce(0) { $0 + $1.dropEntries }
        let window = windowSeconds % 3600 == 0 ? (windowSeconds == 3600 ? "the last hour" : "the last \(windowSeconds / 3600) hours")
                                               : "the last \(windowSeconds / 60) minutes"
        guard confirmedOrders > 0 || signedIn > 0 || entries > 0 else {
            let failed = accounts.reduce(0) { $0 + $1.failedSignIns }
            return "\(network) placed no order and signed in to no account in \(window)" + (failed > 0 ? " (\(failed) failed sign-ins)" : "")
        }
        var parts = ["\(network) placed \(confirmedOrders) confirmed order\(confirmedOrders == 1 ? "" : "s")"
                     + (revenue > 0 ? " (\(Self.money(revenue)))" : "") + " from \(buyers) account\(buyers == 1 ? "" : "s") in \(window)"]
        if signedIn > buyers { parts.append("\(signedIn) accounts signed in") }
        if entries > 0 { parts.append("\(entries) drop entr\(entries == 1 ? "y" : "ies")") }
        return parts.joined(separator: "; ")
    }

    /// The impact in a few words, for a prompt line: "2 confirmed orders from 1 account in the last hour".
    public var briefImpact: String {
        let buyers = accounts.filter { $0.confirmedOrders > 0 }.count
        guard confirmedOrders > 0 else {
            let signedIn = accounts.filter { $0.signIns > 0 }.count
            return signedIn > 0 ? "no orders but \(signedIn) account\(signedIn == 1 ? "" : "s") signed in in the last hour" : "no orders nor sign-ins in the last hour"
        }
        return "\(confirmedOrders) confirmed order\(confirmedOrders == 1 ? "" : "s") from \(buyers) account\(buyers == 1 ? "" : "s") in the last hour"
    }

    /// `1,204.50` from minor units.
    public static func money(_ minor: Int) -> String {
        let major = minor / 100
        var digits = String(major), grouped = ""
        while digits.count > 3 {
            grouped = "," + digits.suffix(3) + grouped
            digits.removeLast(3)
        }
        return digits + grouped + String(format: ".%02d", minor % 100)
    }
}
