import Foundation
import HTTP
import Store
import Synchronization
import Telemetry
import Testing
@testable import Shop

/// What the shop keeps, and for how long: a shop's defaults keep orders and drops, and the demo's rolling
/// window forgets everything its simulated shoppers leave once it is older than the window.
@Suite struct DataRetentionTests {
    static let expiringTables = ["orders", "order-keys", "reservations", "payments", "drops", "drop-entries", "drop-entrants", "interactions"]

    /// A confirmed order placed under `key`, a settled drop entry and a view, all by one shopper, with every
    /// worker done with them (so nothing is written after the test moves the clock on).
    struct Traces {
        let shopper: Shopper
        let orderId: String
        let dropId: String
    }

    func leaveTraces(_ shop: TestShop, key: String) async throws -> Traces {
        let shopper = try await shop.shopper()
        var headers = HTTPHeaders()
        headers.set("Idempotency-Key", key)
        let placed = try await shop.call("POST", "/api/orders", json: #"{"items":[{"productId":"p1","quantity":2}]}"#, token: shopper.token, headers: headers)
        #expect(placed.status == 202, "\(placed.text)")
        let orderId = try #require(placed.object["orderId"] as? String)
        let viewed = try await shop.call("POST", "/api/events", json: #"{"type":"view","productId":"p2"}"#, token: shopper.token)
        #expect(viewed.status == 202)
        let created = try await shop.call("POST", "/admin/drops", json: #"{"productId":"hot-1","stock":5}"#, token: shop.adminToken)
        let dropId = try #require(created.object["dropId"] as? String)
        let entered = try await shop.call("POST", "/api/drops/\(dropId)/entries", token: shopper.token)
        let entryId = try #require(entered.object["entryId"] as? String)
        try await eventually("the order, the entry and the interactions settled") {
            let order = try await shop.core.orders.order(userId: shopper.userId, orderId: orderId)
            let entry = try await shop.core.drops.entry(dropId: dropId, entryId: entryId)
            // A view, and a purchase from the confirmed order.
            return order.status == .confirmed && entry?.state == "won" && items(shop, "interactions") == 2
        }
        return Traces(shopper: shopper, orderId: orderId, dropId: dropId)
    }

    func items(_ shop: TestShop, _ table: String) -> Int {
        shop.core.engines!.store.stats.tables.first { $0.name == table }?.items ?? 0
    }

    /// Runs the store's housekeeping until it removes nothing more.
    func sweep(_ shop: TestShop) async throws {
        while try await shop.core.engines!.store.runMaintenance().expiredItemsRemoved > 0 {}
    }

    func orderIsKept(_ shop: TestShop, _ traces: Traces) async -> Bool {
        (try? await shop.core.orders.order(userId: traces.shopper.userId, orderId: traces.orderId)) != nil
    }

    @Test func theDemosWindowForgetsOrdersDropsBrowsingAndKeysOnceOlderThanIt() async throws {
        let shop = try await TestShop.start { $0.retention = .rollingWindow(seconds: 600) }
        defer { Task { await shop.stop() } }
        let traces = try await leaveTraces(shop, key: "window-1")
        for table in Self.expiringTables { #expect(items(shop, table) > 0, "\(table) holds nothing to expire") }
        let stockAfterOrder = try await shop.core.catalog.product("p1").stock

        shop.clock.advance(by: 590)
        try await sweep(shop)
        #expect(await orderIsKept(shop, traces))
        for table in Self.expiringTables { #expect(items(shop, table) > 0, "\(table) was emptied inside the window") }

        shop.clock.advance(by: 20)
        try await sweep(shop)
        for table in Self.expiringTables { #expect(items(shop, table) == 0, "\(table) still holds \(items(shop, table)) item(s)") }
        #expect(!(await orderIsKept(shop, traces)))
        #expect(try await shop.core.drops.list().isEmpty)
        // Forgetting an order is not cancelling it: the stock it took stays taken.
        #expect(try await shop.core.catalog.product("p1").stock == stockAfterOrder)
        // Its key is forgotten too: the same key now places a new order.
        let again = try await shop.core.orders.place(userId: traces.shopper.userId, idempotencyKey: "window-1",
                                                     lines: [.init(productId: "p1", quantity: 2)])
        #expect(again.orderId != traces.orderId)
    }

    @Test func aShopKeepsOrdersAndDropsForGoodBrowsingForYearsAndKeysForADay() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let traces = try await leaveTraces(shop, key: "kept-1")

        shop.clock.advance(by: 2 * 86_400)
        try await sweep(shop)
        #expect(await orderIsKept(shop, traces))
        #expect(try await shop.core.drops.list().map(\.dropId) == [traces.dropId])
        #expect(items(shop, "interactions") == 2)
        #expect(items(shop, "order-keys") == 0)
        let again = try await shop.core.orders.place(userId: traces.shopper.userId, idempotencyKey: "kept-1",
                                                     lines: [.init(productId: "p1", quantity: 2)])
        #expect(again.orderId != traces.orderId)
    }

    @Test func theWindowIsAtLeastAMinuteAndKeysNeverOutliveADay() {
        #expect(DataRetention.rollingWindow(seconds: 5).ordersSeconds == 60)
        let week = DataRetention.rollingWindow(seconds: 7 * 86_400)
        #expect(week.ordersSeconds == 7 * 86_400 && week.interactionsSeconds == 7 * 86_400)
        #expect(week.idempotencyKeysSeconds == 86_400)
        #expect(DataRetention().ordersSeconds == nil)
    }
}

/// The simulated card processor remembers answers by idempotency key for a bounded number of recent keys:
/// a retried authorisation gets its first answer, and a long-running shop does not grow with every order.
@Suite struct SimulatedPaymentMemoryTests {
    @Test func answersAreRememberedForTheRecentKeysOnly() async throws {
        let declineFirst = Mutex(true)
        let provider = SimulatedPaymentProvider(failureRate: 0.5, latency: 0, clock: ManualClock()) {
            declineFirst.withLock { first in defer { first = false }; return first ? 0 : 0.9 }
        }
        func declined(_ key: String) async -> Bool {
            do {
                _ = try await provider.authorize(orderId: "o-" + key, amount: 100, idempotencyKey: key)
                return false
            } catch {
                return error is PaymentDeclined
            }
        }
        #expect(await declined("first"))
        for index in 0..<SimulatedPaymentProvider.rememberedAnswers {
            #expect(!(await declined("k\(index)")))
        }
        #expect(await declined("first"), "forgotten after only \(SimulatedPaymentProvider.rememberedAnswers) newer keys")
        for index in 0..<SimulatedPaymentProvider.rememberedAnswers {
            _ = await declined("later\(index)")
        }
        #expect(!(await declined("first")), "still remembered after \(2 * SimulatedPaymentProvider.rememberedAnswers) newer keys")
    }
}
