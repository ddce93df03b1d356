import Addressing
import Foundation
import HTTP
import Store
import Testing
import Workflow
@testable import Shop

@Suite struct OrderTests {
    /// Waits (reading through the core, so polling is not throttled) until the order leaves `pending`, then
    /// returns it as the shopper sees it over HTTP.
    func waitUntilSettled(_ shop: TestShop, _ shopper: Shopper, id: String) async throws -> [String: Any] {
        try await eventually("order \(id) settled") {
            try await shop.core.orders.order(userId: shopper.userId, orderId: id).status != .pending
        }
        let response = try await shop.call("GET", "/api/orders/\(id)", token: shopper.token, from: shopper.source)
        #expect(response.status == 200, "\(response.text)")
        return response.object
    }

    func stock(_ shop: TestShop, _ id: String) async throws -> Int {
        try await shop.core.catalog.product(id).stock
    }

    @Test func anOrderFromTheCartIsConfirmedAndTheCartEmptied() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let shopper = try await shop.shopper()
        let token = shopper.token
        let added = try await shop.call("POST", "/api/cart/items", json: #"{"productId":"p3","quantity":2}"#, token: token)
        #expect(added.status == 200)
        let price = try await shop.core.catalog.product("p3").price
        #expect(added.object["total"] as? Int == 2 * price)
        let before = try await stock(shop, "p3")
        var headers = HTTPHeaders()
        headers.set("Idempotency-Key", "cart-order-1")
        let placed = try await shop.call("POST", "/api/orders", token: token, headers: headers)
        #expect(placed.status == 202)
        #expect(placed.object["status"] as? String == "pending")
        let id = try #require(placed.object["orderId"] as? String)
        let settled = try await waitUntilSettled(shop, shopper, id: id)
        #expect(settled["status"] as? String == "confirmed")
        #expect(settled["total"] as? Int == 2 * price)
        #expect(try await stock(shop, "p3") == before - 2)
        #expect((try await shop.call("GET", "/api/cart", token: token).object["items"] as? [Any])?.isEmpty == true)
        let list = try await shop.call("GET", "/api/orders", token: token).object["items"] as? [[String: Any]]
        #expect(list?.map { $0["orderId"] as? String } == [id])
        // Another user cannot see it.
        let other = try await shop.signedInUser()
        #expect(try await shop.call("GET", "/api/orders/\(id)", token: other).status == 404)
        // The order went through all three journals, and /status counts each one's records.
        let components = try #require(try await shop.call("GET", "/status").object["components"] as? [String: [String: Any]])
        for name in ["store", "broker", "sagas"] {
            #expect((components[name]?["journalRecords"] as? Int ?? 0) > 0, "\(name)")
            #expect((components[name]?["fsyncs"] as? Int ?? 0) > 0, "\(name)")
        }
    }

    @Test func theSameIdempotencyKeyGivesTheSameOrder() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let token = try await shop.signedInUser()
        var headers = HTTPHeaders()
        headers.set("Idempotency-Key", "retry-me")
        let body = #"{"items":[{"productId":"p1","quantity":1}]}"#
        let first = try await shop.call("POST", "/api/orders", json: body, token: token, headers: headers)
        let again = try await shop.call("POST", "/api/orders", json: body, token: token, headers: headers)
        #expect(first.status == 202 && again.status == 202)
        #expect(first.object["orderId"] as? String == again.object["orderId"] as? String)
        let different = try await shop.call("POST", "/api/orders", json: #"{"items":[{"productId":"p2","quantity":1}]}"#, token: token, headers: headers)
        #expect(different.status == 422)
        let list = try await shop.call("GET", "/api/orders", token: token).object["items"] as? [Any]
        #expect(list?.count == 1)
        #expect(try await shop.call("POST", "/api/orders", json: body, token: token).status == 400)  // no key
    }

    @Test func twoHundredBuyersForFiftyUnitsGetExactlyFifty() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let shoppers = try await withThrowingTaskGroup(of: Shopper.self) { group in
            for index in 0..<200 {
                group.addTask { try await shop.shopper("buyer\(index)@example.com", from: IPAddress("127.0.1.\(index + 1)")) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let placed: [(shopper: Shopper, id: String)] = try await withThrowingTaskGroup(of: (Shopper, String).self) { group in
            for (index, shopper) in shoppers.enumerated() {
                group.addTask {
                    var headers = HTTPHeaders()
                    headers.set("Idempotency-Key", "hot-\(index)")
                    let response = try await shop.call("POST", "/api/orders", json: #"{"items":[{"productId":"hot-1","quantity":1}]}"#,
                                                       token: shopper.token, headers: headers, from: shopper.source)
                    #expect(response.status == 202, "\(response.text)")
                    return (shopper, response.object["orderId"] as? String ?? "")
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        var outcomes: [String: Int] = [:]
        for (shopper, id) in placed {
            let settled = try await waitUntilSettled(shop, shopper, id: id)
            let outcome = [settled["status"] as? String, settled["reason"] as? String].compactMap { $0 }.joined(separator: ": ")
            outcomes[outcome, default: 0] += 1
        }
        #expect(outcomes == ["confirmed": 50, "failed: out of stock (hot-1)": 150])
        #expect(try await stock(shop, "hot-1") == 0)
    }

    @Test func aDeclinedPaymentCompensatesAndRestoresStock() async throws {
        let shop = try await TestShop.start { $0.paymentFailureRate = 1 }
        defer { Task { await shop.stop() } }
        let shopper = try await shop.shopper()
        let token = shopper.token
        let before = try await stock(shop, "p5")
        var headers = HTTPHeaders()
        headers.set("Idempotency-Key", "declined")
        let placed = try await shop.call("POST", "/api/orders", json: #"{"items":[{"productId":"p5","quantity":3}]}"#, token: token, headers: headers)
        let id = try #require(placed.object["orderId"] as? String)
        let settled = try await waitUntilSettled(shop, shopper, id: id)
        #expect(settled["status"] as? String == "failed")
        #expect(settled["reason"] as? String == "payment declined")
        #expect(try await stock(shop, "p5") == before)
        let run = try #require(shop.core.sagas.run(CheckoutSaga.runID(for: id)))
        #expect(run.state == .compensated)
        #expect(run.steps.first { $0.name == "reserve-stock" }?.state == .compensated)
    }

    /// Checkout is an express saga: after a crash a run goes through its steps again, its order perhaps
    /// confirmed already. A second run for a confirmed order stands for that: it must find the reservation and
    /// the payment in place and succeed, and one that then fails must neither give the stock back nor void the
    /// payment of an order that stays confirmed.
    @Test func aCheckoutGoingThroughItsStepsAgainLeavesAConfirmedOrderWhole() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let shopper = try await shop.shopper()
        var headers = HTTPHeaders()
        headers.set("Idempotency-Key", "once")
        let placed = try await shop.call("POST", "/api/orders", json: #"{"items":[{"productId":"p4","quantity":2}]}"#, token: shopper.token, headers: headers)
        let id = try #require(placed.object["orderId"] as? String)
        #expect(try await waitUntilSettled(shop, shopper, id: id)["status"] as? String == "confirmed")
        let stockAfterOrder = try await stock(shop, "p4")
        let payment = try await shop.core.store.get(CheckoutSaga.paymentsTable, key: ["orderId": .string(id)])
        #expect(payment != nil)
        let order = try await shop.core.orders.order(userId: shopper.userId, orderId: id)
        let input = CheckoutSaga.input(for: order)

        let again = try await shop.core.sagas.waitForRun(try await shop.core.sagas.start(CheckoutSaga.name, input: input, runID: "again-" + id))
        #expect(again.state == .succeeded, "\(again.history.map { "\($0.type) \($0.step ?? "") \($0.detail ?? "")" })")
        let failing = try await shop.core.sagas.waitForRun(try await shop.core.sagas.start(CheckoutSaga.name, input: input, failAt: "confirm",
                                                                                           runID: "failing-" + id))
        #expect(failing.state == .compensated)
        #expect(try await stock(shop, "p4") == stockAfterOrder, "the stock of a confirmed order was given back")
        #expect(try await shop.core.store.get(CheckoutSaga.paymentsTable, key: ["orderId": .string(id)]) == payment, "its payment was voided")
        #expect(try await shop.core.orders.order(userId: shopper.userId, orderId: id).status == .confirmed)
    }

    /// DynamoDB cancels a transaction on an item another one holds. A reservation cancelled so is retried,
    /// not reported as out of stock, which only a line's failed stock condition means.
    @Test func aReservationCancelledByAConflictIsRetriedNotSoldOut() {
        let lines = [OrderLine(productId: "p1", quantity: 1, price: 100), OrderLine(productId: "p2", quantity: 2, price: 50)]
        func reasons(_ codes: [String]) -> [CancellationReason] {
            codes.map { CancellationReason(code: CancellationReason.Code(rawValue: $0) ?? .validationError) }
        }
        #expect(CheckoutSaga.reservationFailure(cancelledBecause: reasons(["ConditionalCheckFailed", "None", "None"]), lines: lines) == nil)
        #expect(CheckoutSaga.reservationFailure(cancelledBecause: reasons(["None", "None", "ConditionalCheckFailed"]), lines: lines)
                == WorkflowFailure("OutOfStock", cause: "out of stock (p2)"))
        #expect(CheckoutSaga.reservationFailure(cancelledBecause: reasons(["None", "TransactionConflict", "None"]), lines: lines)?.name == "StoreUnavailable")
        #expect(CheckoutSaga.reservationFailure(cancelledBecause: reasons(["None", "ThrottlingError", "None"]), lines: lines)?.name == "StoreUnavailable")
        #expect(CheckoutSaga.reservationFailure(cancelledBecause: reasons(["None", "ValidationError", "None"]), lines: lines)?.name == "ReservationRejected")
    }

    /// A checkout run carries its order's total and placing time, so the payment step need not read the
    /// order; a run started without them (by an earlier version, or for an order whose message was lost)
    /// reads it as before. The facts survive the trip as the store keeps them, to the millisecond.
    @Test func aCheckoutRunCarriesThePaymentFactsOfItsOrder() async throws {
        let placed = Date(timeIntervalSince1970: 1_767_225_600.123)
        let order = Order(orderId: "o-1", userId: "u-1", status: .pending, reason: nil,
                          items: [OrderLine(productId: "p1", quantity: 2, price: 450)], total: 900, createdAt: placed)
        let facts = try #require(CheckoutSaga.paymentFacts(in: CheckoutSaga.input(for: order)))
        #expect(facts.orderId == "o-1" && facts.total == 900 && facts.createdAt == placed)
        #expect(CheckoutSaga.input(for: order)["userId"] == "u-1")
        #expect(CheckoutSaga.paymentFacts(in: ["orderId": "o-1", "userId": "u-1"]) == nil)
    }

    @Test func anOrderStoredAsAJSONDocumentByAnEarlierVersionIsStillRead() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let shopper = try await shop.shopper()
        let legacy = StoredOrder(orderId: "o-legacy", userId: shopper.userId, items: [OrderLine(productId: "p2", quantity: 2, price: 500)],
                                 total: 1000, createdAt: Date(timeIntervalSince1970: 1_767_225_600))
        _ = try await shop.core.store.put(Orders.table, StoredDocument.item(legacy, keys: ["userId": .string(shopper.userId), "orderId": "o-legacy"],
                                                                          native: ["status": "confirmed"]))
        let order = try await shop.call("GET", "/api/orders/o-legacy", token: shopper.token).object
        #expect(order["status"] as? String == "confirmed")
        #expect(order["total"] as? Int == 1000)
        #expect((order["items"] as? [[String: Any]])?.first?["quantity"] as? Int == 2)
        #expect(order["createdAt"] as? String == "2026-01-01T00:00:00.000Z")
    }

    @Test func orderInputIsChecked() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let token = try await shop.signedInUser()
        var headers = HTTPHeaders()
        headers.set("Idempotency-Key", "k")
        for body in [#"{"items":[]}"#, #"{"items":[{"productId":"p1","quantity":0}]}"#, #"{"items":[{"productId":"nope","quantity":1}]}"#,
                     #"{"items":[{"productId":"p1","quantity":11}]}"#, #"{"items":[{"productId":"p1"}]}"#] {
            let response = try await shop.call("POST", "/api/orders", json: body, token: token, headers: headers)
            #expect(response.status == 422, "\(body): \(response.text)")
        }
        #expect(try await shop.call("POST", "/api/orders", token: token, headers: headers).status == 422)  // empty cart
        #expect(try await shop.call("POST", "/api/cart/items", json: #"{"productId":"nope","quantity":1}"#, token: token).status == 404)
    }
}
