import Foundation
import Testing
import Telemetry
@testable import Store

@Suite struct TransactionTests {
    func seeded(_ dir: TemporaryDirectory, clock: ManualClock = ManualClock()) async throws -> Store {
        let store = try openStore(dir, clock: clock)
        try await store.createTable(productsSchema)
        try await store.createTable(ordersSchema)
        try await store.put("products", product("a", stock: 1))
        try await store.put("products", product("b", stock: 0))
        return store
    }

    @Test func allOrNothing() async throws {
        let dir = TemporaryDirectory()
        let store = try await seeded(dir)
        let buyBoth: [TransactionAction] = [
            .update(table: "products", key: ["id": "a"], update: UpdateExpression().add("stock", -1), condition: .compare("stock", .greater, 0)),
            .update(table: "products", key: ["id": "b"], update: UpdateExpression().add("stock", -1), condition: .compare("stock", .greater, 0)),
            .put(table: "orders", item: ["user": "ann", "at": 1, "items": ["a", "b"]]),
        ]
        await #expect(throws: StoreError.transactionCanceled([
            CancellationReason(code: .none),
            CancellationReason(code: .conditionalCheckFailed, message: "the condition on \"b\" in \"products\" did not hold"),
            CancellationReason(code: .none),
        ])) { try await store.transactWrite(buyBoth) }
        #expect(try await store.get("products", key: ["id": "a"])?["stock"] == 1)
        #expect(try await store.get("orders", key: ["user": "ann", "at": 1]) == nil)

        try await store.put("products", product("b", stock: 1))
        try await store.transactWrite(buyBoth)
        #expect(try await store.get("products", key: ["id": "a"])?["stock"] == 0)
        #expect(try await store.get("products", key: ["id": "b"])?["stock"] == 0)
        #expect(try await store.get("orders", key: ["user": "ann", "at": 1])?["items"] == ["a", "b"])
        await store.close()
    }

    @Test func aTransactionSurvivesRestartWhole() async throws {
        let dir = TemporaryDirectory()
        do {
            let store = try await seeded(dir)
            try await store.transactWrite([
                .delete(table: "products", key: ["id": "a"]),
                .put(table: "orders", item: ["user": "bob", "at": 2]),
                .conditionCheck(table: "products", key: ["id": "b"], condition: .exists("id")),
            ])
            await store.close()
        }
        let store = try openStore(dir)
        #expect(try await store.transactGet([("products", ["id": "a"]), ("orders", ["user": "bob", "at": 2]), ("products", ["id": "b"])])
                == [nil, ["user": "bob", "at": 2], product("b", stock: 0)])
        await store.close()
    }

    @Test func clientTokenAppliesOnceForTenMinutes() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let store = try await seeded(dir, clock: clock)
        let increment: [TransactionAction] = [.update(table: "products", key: ["id": "a"], update: UpdateExpression().add("stock", 1))]
        try await store.transactWrite(increment, clientToken: "tok-1")
        try await store.transactWrite(increment, clientToken: "tok-1")
        #expect(try await store.get("products", key: ["id": "a"])?["stock"] == 2)

        let different: [TransactionAction] = [.update(table: "products", key: ["id": "a"], update: UpdateExpression().add("stock", 5))]
        await #expect(throws: StoreError.idempotentParameterMismatch(token: "tok-1")) {
            try await store.transactWrite(different, clientToken: "tok-1")
        }
        await store.close()

        // The token survives a restart...
        let reopened = try openStore(dir, clock: clock)
        try await reopened.transactWrite(increment, clientToken: "tok-1")
        #expect(try await reopened.get("products", key: ["id": "a"])?["stock"] == 2)
        // ...and expires after ten minutes.
        clock.advance(by: 601)
        try await reopened.transactWrite(increment, clientToken: "tok-1")
        #expect(try await reopened.get("products", key: ["id": "a"])?["stock"] == 3)
        await reopened.close()
    }

    @Test func concurrentRetriesOfOneTokenApplyOnce() async throws {
        let dir = TemporaryDirectory()
        let store = try await seeded(dir)
        let increment: [TransactionAction] = [.update(table: "products", key: ["id": "a"], update: UpdateExpression().add("stock", 1))]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<20 { group.addTask { try await store.transactWrite(increment, clientToken: "same") } }
            try await group.waitForAll()
        }
        #expect(try await store.get("products", key: ["id": "a"])?["stock"] == 2)
        await store.close()
    }

    @Test func malformedTransactionsAreRefused() async throws {
        let dir = TemporaryDirectory()
        let store = try await seeded(dir)
        await #expect(throws: StoreError.validation("a transaction holds 1 to 100 actions, got 0")) { try await store.transactWrite([]) }
        let tooMany = (0..<101).map { TransactionAction.put(table: "products", item: product("x\($0)")) }
        await #expect(throws: StoreError.validation("a transaction holds 1 to 100 actions, got 101")) { try await store.transactWrite(tooMany) }
        await #expect(throws: StoreError.validation("a transaction cannot include more than one action on item \"a\" of table \"products\"")) {
            try await store.transactWrite([.put(table: "products", item: product("a")), .delete(table: "products", key: ["id": "a"])])
        }
        await #expect(throws: StoreError.validation("client tokens are 1 to 36 characters long")) {
            try await store.transactWrite([.put(table: "products", item: product("z"))], clientToken: String(repeating: "t", count: 37))
        }
        let hundred = (0..<100).map { TransactionAction.put(table: "products", item: product("y\($0)")) }
        try await store.transactWrite(hundred)
        #expect(store.stats.liveItems == 102)
        await store.close()
    }
}
