import Dashboard
import Foundation
import Shop
import Telemetry
import Synchronization
import Testing

/// The shop's domain driven directly — no server, no requests, no status codes: this target cannot import
/// HTTP (Package.swift gives it only Shop, Dashboard and Telemetry), so each refusal is checked as the
/// domain's own `ShopError`, which the HTTP edge maps in one place.
@Suite struct ShopDomainTests {
    struct Shop {
        let core: Core
        let clock: ManualClock
        let directory: String

        static func open() async throws -> Shop {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("domain-\(UUID().uuidString.prefix(8))").path
            let clock = ManualClock()
            var options = CoreOptions(dataDirectory: directory, clock: clock, logger: Logger(label: "domain", sink: MemoryLogSink(), clock: clock))
            options.store.maintenanceIntervalSeconds = nil
            options.broker.maintenanceIntervalSeconds = nil
            options.accounts.passwordIterations = 10
            options.paymentLatency = 0
            options.startWorkers = false
            options.catalog = { CatalogGenerator.products(count: 10) }
            return Shop(core: try await Core.open(options: options), clock: clock, directory: directory)
        }

        func close() async {
            await core.close()
            try? FileManager.default.removeItem(atPath: directory)
        }

        var product: String { core.catalog.all[0].id }
    }

    /// Opens a shop for `body` and closes it (and removes its data) however `body` ends.
    func withShop(_ body: (Shop) async throws -> Void) async throws {
        let shop = try await Shop.open()
        do {
            try await body(shop)
        } catch {
            await shop.close()
            throw error
        }
        await shop.close()
    }

    /// Runs `body` and returns the `ShopError` it threw (a failed expectation when it threw nothing, or
    /// anything else).
    func refusal(_ body: () async throws -> Void) async -> ShopError? {
        do {
            try await body()
            Issue.record("expected a refusal")
        } catch let error as ShopError {
            return error
        } catch {
            Issue.record("expected a ShopError, not \(error)")
        }
        return nil
    }

    @Test func cartsAndOrdersRefuseInTheirOwnTerms() async throws {
        try await withShop { shop in
            let product = shop.product
            #expect(await refusal { _ = try await shop.core.carts.add("u-1", productId: "nope", quantity: 1) }?.kind == .notFound)
            #expect(await refusal { _ = try await shop.core.carts.add("u-1", productId: product, quantity: 0) }?.kind == .invalid)
            #expect(await refusal { _ = try await shop.core.orders.place(userId: "u-1", idempotencyKey: "k1", lines: nil) }
                    == .invalid("the cart is empty; add items or send {\"items\":[…]}"))

            let line = [Orders.Request.Line(productId: product, quantity: 1)]
            let order = try await shop.core.orders.place(userId: "u-1", idempotencyKey: "k2", lines: line)
            let replay = try await shop.core.orders.place(userId: "u-1", idempotencyKey: "k2", lines: line)
            #expect(replay.orderId == order.orderId)
            let reused = await refusal {
                _ = try await shop.core.orders.place(userId: "u-1", idempotencyKey: "k2", lines: [Orders.Request.Line(productId: product, quantity: 2)])
            }
            #expect(reused?.kind == .invalid)
            #expect(await refusal { _ = try await shop.core.orders.order(userId: "u-2", orderId: order.orderId) }?.kind == .notFound)
            #expect(await refusal { _ = try await shop.core.orders.orders(userId: "u-1", cursor: "%%%") }?.kind == .malformed)
            #expect(await refusal { _ = try await shop.core.catalog.list(query: nil, category: nil, limit: 0, cursor: nil) }?.kind == .invalid)
        }
    }

    @Test func accountsRefuseWithoutSpeakingHTTP() async throws {
        try await withShop { shop in
            let accounts = shop.core.accounts
            _ = try await accounts.signUp(email: "ada@example.com", password: "correct horse battery staple")
            #expect(await refusal { _ = try await accounts.signUp(email: "ADA@example.com", password: "correct horse battery staple") }?.kind
                    == .conflict(reason: "conflict"))
            #expect(await refusal { _ = try await accounts.signUp(email: "bob@example.com", password: "Password1!") }?.kind == .invalid)
            #expect(await refusal { _ = try accounts.authenticate(bearer: nil) }?.kind == .unauthenticated)
            #expect(await refusal { _ = try accounts.authenticate(bearer: "forged.token") }?.kind == .unauthenticated)

            let signedIn = try await accounts.signIn(email: "ada@example.com", password: "correct horse battery staple", clientIP: .v4(0x7F00_0001))
            let session = try accounts.authenticate(bearer: signedIn.token)
            try await accounts.signOut(session)
            #expect(await refusal { _ = try accounts.authenticate(bearer: signedIn.token) } == ShopError(.unauthenticated, "the token was signed out"))

            for _ in 0..<5 {
                #expect(await refusal { _ = try await accounts.signIn(email: "ada@example.com", password: "wrong", clientIP: .v4(0x7F00_0001)) }?.kind
                        == .unauthenticated)
            }
            guard case .locked(let seconds)? = await refusal({ _ = try await accounts.signIn(email: "ada@example.com", password: "wrong", clientIP: .v4(1)) })?.kind else {
                Issue.record("the sixth failure should find the account locked")
                return
            }
            #expect(seconds > 0)
        }
    }

    @Test func dropsAndEventsRefuseInTheirOwnTerms() async throws {
        try await withShop { shop in
            let later = shop.clock.now().addingTimeInterval(3600)
            let drop = try await shop.core.drops.create(productId: shop.product, stock: 5, opensAt: later)
            #expect(await refusal { _ = try await shop.core.drops.enter(dropId: drop.dropId, userId: "u-1") }?.kind == .conflict(reason: "not_open"))
            #expect(await refusal { _ = try await shop.core.drops.dropView("d-nope") }?.kind == .notFound)
            #expect(await refusal { _ = try await shop.core.drops.create(productId: shop.product, stock: 0, opensAt: nil) }?.kind == .invalid)
            #expect(await refusal { try await shop.core.recordShopperEvent(type: "purchase", productId: shop.product, userId: nil) }?.kind == .invalid)
            #expect(await refusal { try await shop.core.recordShopperEvent(type: "view", productId: "nope", userId: nil) }?.kind == .invalid)
            try await shop.core.recordShopperEvent(type: "view", productId: shop.product, userId: "u-1")
        }
    }

    /// An operator's refusal carries the domain's kind, and a restock is told to whoever caches products.
    @Test func operatorActionsSpeakKindsNotStatuses() async throws {
        try await withShop { shop in
            let changed = Mutex<[String]>([])
            shop.core.observeProductChanges { id in changed.withLock { $0.append(id) } }
            await #expect(throws: OperatorError(.notFound, "no product nope")) { try await shop.core.perform(.restock(productId: "nope", stock: 1)) }
            await #expect(throws: OperatorError(.invalid, "stock must be 0 to 1000000000")) {
                try await shop.core.perform(.restock(productId: shop.product, stock: -1))
            }
            _ = try await shop.core.perform(.restock(productId: shop.product, stock: 7))
            #expect(changed.withLock { $0 } == [shop.product])
            #expect(try await shop.core.catalog.product(shop.product).stock == 7)
        }
    }
}
