import CrashHarness
import Addressing
import Foundation
import HTTP
import Synchronization
import Testing

/// What the buyers saw before the crash: keys answered 202 (with their order) and keys whose answer was lost.
final class OrderLedger: Sendable {
    struct State {
        var accepted: [String: String] = [:]
        var unanswered: [String] = []
        var next = 0
    }

    let state = Mutex(State())
    private let stopped = Atomic<Bool>(false)

    func stop() { stopped.store(true, ordering: .releasing) }
    var isStopped: Bool { stopped.load(ordering: .acquiring) }

    func nextKey() -> String { state.withLock { $0.next += 1; return "crash-\($0.next)" } }
    func accept(_ key: String, order: String) { state.withLock { $0.accepted[key] = order } }
    func lose(_ key: String) { state.withLock { $0.unanswered.append(key) } }
    var acceptedCount: Int { state.withLock { $0.accepted.count } }

    /// `workers` buyers place `order` as fast as they can, each with a fresh key, until `accepted` orders
    /// are acknowledged; then `pid` gets SIGKILL and the buyers stop (their answers, or their loss, recorded).
    func burst(_ buyer: ShopClient, order: String, workers: Int, killing pid: Int32, after accepted: Int) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<workers {
                group.addTask {
                    while !self.isStopped {
                        let key = self.nextKey()
                        do {
                            let response = try await buyer.send("POST", "/api/orders", json: order, idempotencyKey: key)
                            let body = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
                            if response.status == 202, let id = body?["orderId"] as? String { self.accept(key, order: id) } else { self.lose(key) }
                        } catch {
                            self.lose(key)
                        }
                    }
                }
            }
            while acceptedCount < accepted { try await Task.sleep(for: .milliseconds(1)) }
            kill(pid, SIGKILL)
            stop()
            try await group.waitForAll()
        }
    }
}

/// A client of a `serve` child: JSON requests with the user's token and an API key with a generous plan.
struct ShopClient: Sendable {
    let client: HTTPClient
    let address: SocketAddress
    var token: String?
    var apiKey: String?

    func send(_ method: String, _ target: String, json: String? = nil, bearer: String? = nil, idempotencyKey: String? = nil,
              forwardedFor: String? = nil) async throws -> HTTPClientResponse {
        var headers = HTTPHeaders()
        if let forwardedFor { headers.set("X-Forwarded-For", forwardedFor) }
        if let bearer = bearer ?? token { headers.set("Authorization", "Bearer \(bearer)") }
        if let apiKey { headers.set("x-api-key", apiKey) }
        if let idempotencyKey { headers.set("Idempotency-Key", idempotencyKey) }
        if json != nil { headers.set("Content-Type", "application/json") }
        return try await client.send(HTTPClientRequest(method: method, target: target, headers: headers, body: Array((json ?? "").utf8)), to: address)
    }

    func object(_ method: String, _ target: String, json: String? = nil, bearer: String? = nil) async throws -> [String: Any] {
        let response = try await send(method, target, json: json, bearer: bearer)
        return (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
    }
}

@Suite struct OrderCrashTests {
    static let order = #"{"items":[{"productId":"p1","quantity":1}]}"#

    /// Orders pour in, the process is SIGKILLed mid-checkout, and a new process finishes the job: every order
    /// answered 202 ends confirmed or failed, confirmed units plus remaining stock equal the stock before, and
    /// the audit trail still verifies.
    @Test func killedUnderOrderLoadEveryAcceptedOrderSettlesAndStockAddsUp() async throws {
        let directory = temporaryDirectory("order-crash")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try await onThread { try ServeProcess(["--data", directory, "--listen", "127.0.0.1:0"]) }
        let admin = try String(contentsOfFile: directory + "/admin-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        var shop = ShopClient(client: HTTPClient(timeout: 30, concurrency: 64), address: first.address)
        let initialStock = 60
        #expect(try await shop.send("PUT", "/admin/products/p1/stock", json: #"{"stock":\#(initialStock)}"#, bearer: admin).status == 200)
        shop.apiKey = try #require(try await shop.object("POST", "/admin/api-keys", json: #"{"name":"crash","rate":100000,"burst":100000}"#, bearer: admin)["key"] as? String)
        let credentials = #"{"email":"crash@example.com","password":"correct-horse-42"}"#
        #expect(try await shop.send("POST", "/api/users", json: credentials).status == 201)
        shop.token = try #require(try await shop.object("POST", "/api/sessions", json: credentials)["token"] as? String)

        let ledger = OrderLedger()
        // Kill once well past the stock, while orders still arrive and checkouts run.
        try await ledger.burst(shop, order: Self.order, workers: 16, killing: first.pid, after: 120)
        _ = try await onThread { first.stop(SIGKILL) }
        shop.client.closeIdleConnections()

        let second = try await onThread { try ServeProcess(["--data", directory, "--listen", "127.0.0.1:0"]) }
        defer { _ = second.stop(SIGTERM) }
        let after = ShopClient(client: HTTPClient(timeout: 30, concurrency: 64), address: second.address, token: shop.token, apiKey: shop.apiKey)
        // A buyer whose answer was lost retries with the same key: an order recorded before the crash comes back.
        var orders = ledger.state.withLock { $0.accepted }
        for key in ledger.state.withLock({ $0.unanswered }) {
            let retried = try await after.send("POST", "/api/orders", json: Self.order, idempotencyKey: key)
            #expect(retried.status == 202, "\(retried.text)")
            let body = (try? JSONSerialization.jsonObject(with: Data(retried.body))) as? [String: Any]
            if let id = body?["orderId"] as? String { orders[key] = id }
        }
        // Replaying an accepted key after the restart gives the same order.
        if let (key, id) = ledger.state.withLock({ $0.accepted.first }) {
            let replay = try await after.send("POST", "/api/orders", json: Self.order, idempotencyKey: key)
            let body = (try? JSONSerialization.jsonObject(with: Data(replay.body))) as? [String: Any]
            #expect(body?["orderId"] as? String == id)
        }

        // Every order settles (the whole set within a minute; a stuck order fails the test instead of hanging it).
        var settled: [String: [String: Any]] = [:]
        let deadline = Date().addingTimeInterval(60)
        while settled.count < Set(orders.values).count, Date() < deadline {
            for id in Set(orders.values) where settled[id] == nil {
                let order = try await after.object("GET", "/api/orders/\(id)")
                if let status = order["status"] as? String, status != "pending" { settled[id] = order }
            }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        let stuck = Set(orders.values).subtracting(settled.keys)
        #expect(stuck.isEmpty, "orders still pending after the restart: \(stuck.sorted())")
        let confirmed = settled.values.filter { $0["status"] as? String == "confirmed" }.count
        let failed = settled.values.filter { $0["status"] as? String == "failed" }.count
        let reasons = Set(settled.values.compactMap { $0["reason"] as? String })
        let stock = try #require(try await after.object("GET", "/api/products/p1")["stock"] as? Int)
        #expect(confirmed == initialStock - stock, "confirmed \(confirmed), stock left \(stock)")
        #expect(stock >= 0)
        #expect(confirmed + failed == Set(orders.values).count)
        #expect(reasons.isSubset(of: ["out of stock (p1)"]))
        #expect(orders.count >= 120)
        let audit = try await after.object("GET", "/admin/audit", bearer: admin)
        #expect(audit["verified"] as? Bool == true)
        #expect((audit["items"] as? [[String: Any]])?.contains { $0["action"] as? String == "product.restock" } == true)
    }
}

