import Foundation
import Synchronization

/// What the recommendations earn: every item shown to a signed-in shopper is remembered with the model
/// version that proposed it (version 0: no model, best sellers), and a cart add or a confirmed order of that
/// item by that shopper within `windowSeconds` after it was shown is counted for that version — the latest
/// showing wins. Per version: lists and items shown, cart adds, orders, units and revenue attributed.
///
/// Bounded whatever shoppers do: the latest `maximumShownPerShopper` items per shopper, the latest
/// `maximumShoppers` shoppers, the latest `maximumCountedOrders` order ids (a redelivered confirmation is
/// counted once). What was shown is this process's memory; the figures are made durable and shop-wide by
/// `AttributionLedger`, which takes the counts gathered since its last flush (`takePending`) and adds them
/// to the store's counters, and hands back the shop's totals (`adoptDurable`). Until then the figures are
/// those totals plus what is pending here.
public final class RecommendationAttribution: Sendable {
    /// Figures for one model version.
    public struct Figures: Sendable, Equatable, Codable {
        public var version: Int
        /// Recommendation lists served, and items in them.
        public var lists = 0
        public var impressions = 0
        public var cartAdds = 0
        public var orders = 0
        public var units = 0
        /// In the catalog's minor unit (cents), as order totals are.
        public var revenue = 0
        /// When this version was first and last shown (seconds since 1970).
        public var firstShownAt: Double
        public var lastShownAt: Double

        /// Orders attributed per 1,000 items shown.
        public var ordersPerThousand: Double { impressions > 0 ? Double(orders) * 1000 / Double(impressions) : 0 }
        /// Revenue attributed per 1,000 items shown.
        public var revenuePerThousand: Double { impressions > 0 ? Double(revenue) * 1000 / Double(impressions) : 0 }
        /// Cart adds per 1,000 items shown.
        public var cartAddsPerThousand: Double { impressions > 0 ? Double(cartAdds) * 1000 / Double(impressions) : 0 }

        public init(version: Int, lists: Int = 0, impressions: Int = 0, cartAdds: Int = 0, orders: Int = 0, units: Int = 0, revenue: Int = 0,
                    firstShownAt: Double, lastShownAt: Double) {
            self.version = version
            self.lists = lists
            self.impressions = impressions
            self.cartAdds = cartAdds
            self.orders = orders
            self.units = units
            self.revenue = revenue
            self.firstShownAt = firstShownAt
            self.lastShownAt = lastShownAt
        }

        /// Both counts together.
        func adding(_ other: Figures) -> Figures {
            Figures(version: version, lists: lists + other.lists, impressions: impressions + other.impressions, cartAdds: cartAdds + other.cartAdds,
                    orders: orders + other.orders, units: units + other.units, revenue: revenue + other.revenue,
                    firstShownAt: min(firstShownAt, other.firstShownAt), lastShownAt: max(lastShownAt, other.lastShownAt))
        }
    }

    /// The newest version against the one served before it.
    public struct Comparison: Sendable, Equatable {
        public var version: Int
        public var previous: Int
        /// Orders per 1,000 items shown, newest minus previous, with a 95 % confidence interval (normal
        /// approximation to the difference of two proportions, each shown item a trial).
        public var ordersPerThousandDifference: Double
        public var interval: ClosedRange<Double>
        public var revenuePerThousandDifference: Double
    }

    private struct Shown {
        var item: String
        var version: Int
        var at: Double
        var carted = false
    }

    /// Counts not yet in the store, split so a reader never sees a flush's counts missing: `pending` gathers,
    /// `inFlight` is being written, `durable` is the store's totals as last read.
    private struct Tally {
        var figures: [Int: Figures] = [:]
        var confirmedOrders = 0

        /// Applies `change` to `version`'s figures, created when this tally has none yet — with no showing
        /// times, which a cart add or an order is not.
        mutating func count(version: Int, _ change: (inout Figures) -> Void) {
            var counted = figures[version] ?? Figures(version: version, firstShownAt: .infinity, lastShownAt: 0)
            change(&counted)
            figures[version] = counted
        }

        mutating func add(_ other: Tally) {
            for (version, more) in other.figures { figures[version] = figures[version].map { $0.adding(more) } ?? more }
            confirmedOrders += other.confirmedOrders
        }
    }

    private struct State {
        var shown: [String: [Shown]] = [:]
        /// Shoppers in the order they were first shown something (since last forgotten), oldest first from
        /// `evictionHead`: who is forgotten first.
        var shoppers: [String] = []
        var evictionHead = 0
        var pending = Tally()
        var inFlight = Tally()
        var durable = Tally()
        var countedOrders = Set<String>()
        var countedOrderQueue: [String] = []

        var total: Tally {
            var sum = durable
            sum.add(inFlight)
            sum.add(pending)
            return sum
        }
    }

    public let windowSeconds: Double
    let maximumShownPerShopper = 50
    let maximumShoppers: Int
    let maximumCountedOrders = 100_000
    private let state = Mutex(State())

    public init(windowSeconds: Double = 86_400, maximumShoppers: Int = 100_000) {
        self.windowSeconds = windowSeconds
        self.maximumShoppers = maximumShoppers
    }

    /// `items` were shown to `userId` by `version` (0 without a model) at `at` (seconds since 1970).
    public func shown(userId: String, items: [String], version: Int, at: Double) {
        state.withLock { state in
            state.pending.count(version: version) { figures in
                figures.lists += 1
                figures.impressions += items.count
                figures.firstShownAt = min(figures.firstShownAt, at)
                figures.lastShownAt = max(figures.lastShownAt, at)
            }
            var list = state.shown[userId] ?? []
            if list.isEmpty { state.shoppers.append(userId) }
            for item in items {
                list.removeAll { $0.item == item }
                list.append(Shown(item: item, version: version, at: at))
            }
            if list.count > maximumShownPerShopper { list.removeFirst(list.count - maximumShownPerShopper) }
            state.shown[userId] = list
            evict(&state)
        }
    }

    /// `userId` put `productId` in their cart at `at`.
    public func addedToCart(userId: String, productId: String, at: Double) {
        state.withLock { state in
            guard let index = latestShowing(state, userId: userId, item: productId, at: at), !state.shown[userId]![index].carted else { return }
            state.shown[userId]![index].carted = true
            state.pending.count(version: state.shown[userId]![index].version) { $0.cartAdds += 1 }
        }
    }

    /// `userId`'s order `orderId`, placed at `placedAt`, was confirmed with `lines` (product, quantity, unit
    /// price). Looked at once per order id (a redelivered confirmation is not), and counted for every version
    /// one of its lines is attributed to.
    public func ordered(userId: String, orderId: String, lines: [(productId: String, quantity: Int, price: Int)], placedAt: Double) {
        state.withLock { state in
            guard state.countedOrders.insert(orderId).inserted else { return }
            state.pending.confirmedOrders += 1
            state.countedOrderQueue.append(orderId)
            if state.countedOrderQueue.count > maximumCountedOrders * 2 {
                // Forget the older half at once rather than one id per order.
                for old in state.countedOrderQueue.prefix(maximumCountedOrders) { state.countedOrders.remove(old) }
                state.countedOrderQueue.removeFirst(maximumCountedOrders)
            }
            var versions = Set<Int>()
            for line in lines {
                guard let index = latestShowing(state, userId: userId, item: line.productId, at: placedAt) else { continue }
                let version = state.shown[userId]![index].version
                state.pending.count(version: version) {
                    $0.units += line.quantity
                    $0.revenue += line.quantity * line.price
                }
                versions.insert(version)
            }
            for version in versions { state.pending.count(version: version) { $0.orders += 1 } }
        }
    }

    /// Confirmed orders looked at, attributed or not: the whole the attributed ones are part of.
    public var confirmedOrders: Int { state.withLock { $0.total.confirmedOrders } }

    /// Every version's figures, newest first.
    public func figures() -> [Figures] {
        state.withLock { $0.total.figures.values.sorted { $0.version > $1.version } }
    }

    /// The counts gathered since the last flush, now in flight to the store (nil when there are none). One
    /// flush at a time: the ledger calls this, then `flushSucceeded` or `flushFailed`.
    func takePending() -> (figures: [Figures], confirmedOrders: Int)? {
        state.withLock { state in
            guard !state.pending.figures.isEmpty || state.pending.confirmedOrders > 0 else { return nil }
            state.inFlight = state.pending
            state.pending = Tally()
            return (Array(state.inFlight.figures.values), state.inFlight.confirmedOrders)
        }
    }

    /// What was in flight is in the store: counted with the durable totals until they are next read.
    func flushSucceeded() {
        state.withLock { state in
            state.durable.add(state.inFlight)
            state.inFlight = Tally()
        }
    }

    /// The flush failed: what was in flight is pending again.
    func flushFailed() {
        state.withLock { state in
            state.pending.add(state.inFlight)
            state.inFlight = Tally()
        }
    }

    /// The store's totals, read between flushes (they hold every flush so far, this instance's and others').
    func adoptDurable(_ figures: [Figures], confirmedOrders: Int) {
        state.withLock { state in
            state.durable = Tally(figures: Dictionary(figures.map { ($0.version, $0) }) { $1 }, confirmedOrders: confirmedOrders)
        }
    }

    /// Versions this instance has figures for.
    var versions: [Int] { state.withLock { Array($0.total.figures.keys) } }

    /// The newest version shown against the newest before it, once both have been shown.
    public func comparison() -> Comparison? {
        let versions = figures()
        guard versions.count >= 2 else { return nil }
        let (new, old) = (versions[0], versions[1])
        guard new.impressions > 0, old.impressions > 0 else { return nil }
        let p1 = Double(new.orders) / Double(new.impressions), p0 = Double(old.orders) / Double(old.impressions)
        let error = (p1 * (1 - p1) / Double(new.impressions) + p0 * (1 - p0) / Double(old.impressions)).squareRoot()
        let difference = (p1 - p0) * 1000
        return Comparison(version: new.version, previous: old.version, ordersPerThousandDifference: difference,
                          interval: (difference - 1.96 * error * 1000)...(difference + 1.96 * error * 1000),
                          revenuePerThousandDifference: new.revenuePerThousand - old.revenuePerThousand)
    }

    /// The position of the latest showing of `item` to `userId` that `at` falls within the window after.
    private func latestShowing(_ state: State, userId: String, item: String, at: Double) -> Int? {
        guard let list = state.shown[userId] else { return nil }
        return list.lastIndex { $0.item == item && $0.at <= at && at - $0.at <= windowSeconds }
    }

    /// Forgets the shoppers shown something longest ago once there are more than `maximumShoppers`.
    private func evict(_ state: inout State) {
        while state.shown.count > maximumShoppers, state.evictionHead < state.shoppers.count {
            state.shown.removeValue(forKey: state.shoppers[state.evictionHead])
            state.evictionHead += 1
        }
        if state.evictionHead > maximumShoppers {
            state.shoppers.removeFirst(state.evictionHead)
            state.evictionHead = 0
        }
    }
}

