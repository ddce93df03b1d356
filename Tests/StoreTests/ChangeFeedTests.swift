import Foundation
import Testing
import Telemetry
@testable import Store

@Suite struct ChangeFeedTests {
    @Test func consumersSeeEachCommittedChangeInOrderUntilAcknowledged() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir)
        try await store.createTable(productsSchema)
        try await store.createTable(ordersSchema)
        try await store.put("products", product("before"))
        try await store.registerConsumer("exporter", tables: ["products"])
        try await store.registerConsumer("everything")
        try await store.put("products", product("p1", stock: 1))
        try await store.update("products", key: ["id": "p1"], UpdateExpression().add("stock", 1))
        try await store.put("orders", ["user": "u", "at": 1])
        try await store.delete("products", key: ["id": "p1"])
        // A failed write is not a change.
        _ = try? await store.put("products", product("before"), condition: .notExists("id"))

        let changes = try await store.changes(for: "exporter")
        #expect(changes.map(\.kind) == [.insert, .modify, .remove])
        #expect(changes.map(\.key) == Array(repeating: PrimaryKey(partition: .string("p1")), count: 3))
        #expect(changes[1].oldImage?["stock"] == 1 && changes[1].newImage?["stock"] == 2)
        #expect(changes[2].newImage == nil && changes[2].oldImage?["stock"] == 2)
        #expect(zip(changes, changes.dropFirst()).allSatisfy { $0.sequence < $1.sequence })
        #expect(try await store.changes(for: "everything").count == 4)

        // Unacknowledged changes come back; acknowledged ones do not.
        #expect(try await store.changes(for: "exporter") == changes)
        try await store.acknowledge("exporter", through: changes[1].sequence)
        #expect(try await store.changes(for: "exporter") == [changes[2]])
        await #expect(throws: StoreError.consumerNotFound("ghost")) { try await store.changes(for: "ghost") }
        await store.close()

        // Positions and pending changes survive a restart.
        let reopened = try openStore(dir)
        #expect(try await reopened.changes(for: "exporter") == [changes[2]])
        #expect(try await reopened.changes(for: "everything").count == 4)
        await reopened.close()
    }

    @Test func pendingChangesSurviveASnapshot() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir)
        try await store.createTable(productsSchema)
        try await store.registerConsumer("c")
        for i in 0..<5 { try await store.put("products", product("p\(i)")) }
        let before = try await store.changes(for: "c")
        try await store.acknowledge("c", through: before[1].sequence)
        #expect(try await store.snapshot())
        try await store.put("products", product("after"))
        await store.close()
        let reopened = try openStore(dir)
        #expect(reopened.recoveryReport.snapshotLSN != nil)
        let after = try await reopened.changes(for: "c")
        #expect(Array(after.prefix(3)) == Array(before.dropFirst(2)))
        #expect(after.last?.key == PrimaryKey(partition: .string("after")))
        #expect(after.last!.sequence > before.last!.sequence)
        await reopened.close()
    }

    @Test func acknowledgingInsideATransactionProcessesExactlyOnce() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir)
        try await store.createTable(productsSchema)
        let totals = TableSchema(name: "totals", partitionKey: KeyAttribute("name", .string))
        try await store.createTable(totals)
        try await store.registerConsumer("counter", tables: ["products"])
        for i in 0..<7 { try await store.put("products", product("p\(i)")) }
        // Process in batches: the effect and the new position commit together.
        while true {
            let batch = try await store.changes(for: "counter", limit: 3)
            guard let last = batch.last else { break }
            try await store.transactWrite([.update(table: "totals", key: ["name": "inserts"], update: UpdateExpression().add("count", batch.count))],
                                          acknowledging: ("counter", last.sequence))
        }
        #expect(try await store.get("totals", key: ["name": "inserts"])?["count"] == 7)
        await store.close()
    }

    @Test func longPollReturnsAsSoonAsAChangeArrives() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let store = try openStore(dir, clock: clock)
        try await store.createTable(productsSchema)
        try await store.registerConsumer("waiter")
        let waiting = Task { try await store.changes(for: "waiter", waitSeconds: 20) }
        while clock.sleeperCount == 0 { await Task.yield() }
        try await store.put("products", product("p1"))
        let got = try await waiting.value
        #expect(got.map(\.key) == [PrimaryKey(partition: .string("p1"))])

        // With nothing arriving, it returns empty when the (injected) time is up.
        try await store.acknowledge("waiter", through: got[0].sequence)
        let timingOut = Task { try await store.changes(for: "waiter", waitSeconds: 5) }
        while clock.sleeperCount == 0 { await Task.yield() }
        clock.advance(by: 5)
        #expect(try await timingOut.value.isEmpty)
        await store.close()
    }

    @Test func aConsumerThatFallsBehindRetentionIsToldToResynchronise() async throws {
        let dir = TemporaryDirectory()
        var options = quietOptions()
        options.changeFeedCapacity = 3
        let store = try openStore(dir, options: options)
        try await store.createTable(productsSchema)
        try await store.registerConsumer("slow")
        for i in 0..<5 { try await store.put("products", product("p\(i)")) }
        await #expect {
            try await store.changes(for: "slow")
        } throws: { error in
            guard case .changesTrimmed(let consumer, _) = error as? StoreError else { return false }
            return consumer == "slow"
        }
        await store.close()
    }

    @Test func acknowledgedChangesAreReleased() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir)
        try await store.createTable(productsSchema)
        try await store.registerConsumer("c")
        for i in 0..<10 { try await store.put("products", product("p\(i)")) }
        #expect(store.stats.retainedChanges == 10)
        try await store.acknowledge("c", through: store.changeFeedPosition)
        #expect(store.stats.retainedChanges == 0)
        try await store.unregisterConsumer("c")
        try await store.put("products", product("x"))
        #expect(store.stats.retainedChanges == 0)
        await store.close()
    }
}
