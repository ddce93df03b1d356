import Foundation
import Testing
import Telemetry
@testable import Store

@Suite struct TimeToLiveTests {
    let sessions = TableSchema(name: "sessions", partitionKey: KeyAttribute("token", .string), timeToLiveAttribute: "expiresAt")

    @Test func expiredItemsAreInvisibleThenRemovedWithAChangeRecord() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let now = Int(clock.now().timeIntervalSince1970)
        let store = try openStore(dir, clock: clock)
        try await store.createTable(sessions)
        try await store.registerConsumer("audit", tables: ["sessions"])
        try await store.put("sessions", ["token": "short", "expiresAt": .number(now + 60)])
        try await store.put("sessions", ["token": "long", "expiresAt": .number(now + 3600)])
        try await store.put("sessions", ["token": "forever"])
        #expect(try await store.get("sessions", key: ["token": "short"]) != nil)

        clock.advance(by: 61)
        #expect(try await store.get("sessions", key: ["token": "short"]) == nil)
        #expect(try await store.scan("sessions").items.count == 2)
        // Conditions see an expired item as absent.
        try await store.put("sessions", ["token": "reuse", "expiresAt": .number(now + 1)])
        clock.advance(by: 1)
        try await store.put("sessions", ["token": "reuse"], condition: .notExists("token"))

        let report = try await store.runMaintenance()
        #expect(report.expiredItemsRemoved == 1)
        #expect(store.stats.liveItems == 3)
        let removals = try await store.changes(for: "audit", limit: 100).filter { $0.origin == .timeToLive }
        #expect(removals.map(\.key) == [PrimaryKey(partition: .string("short"))])
        #expect(removals.first?.kind == .remove)
        #expect(try await store.removeExpiredItems() == 0)
        await store.close()
    }

    @Test func rewrittenItemsAreNotRemovedByTheirOldExpiry() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let now = Int(clock.now().timeIntervalSince1970)
        let store = try openStore(dir, clock: clock)
        try await store.createTable(sessions)
        try await store.put("sessions", ["token": "t", "expiresAt": .number(now + 10)])
        try await store.put("sessions", ["token": "t", "expiresAt": .number(now + 1000)])
        clock.advance(by: 20)
        #expect(try await store.removeExpiredItems() == 0)
        #expect(try await store.get("sessions", key: ["token": "t"]) != nil)
        await store.close()
    }

    @Test func backgroundMaintenanceRunsOnTheInjectedClock() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let now = Int(clock.now().timeIntervalSince1970)
        var options = StoreOptions()
        options.maintenanceIntervalSeconds = 5
        let store = try Store(directory: dir.path, options: options, clock: clock)
        try await store.createTable(sessions)
        try await store.put("sessions", ["token": "t", "expiresAt": .number(now + 1)])
        while clock.sleeperCount == 0 { await Task.yield() }
        clock.advance(by: 5)
        // The pass runs after the wake-up; wait for the item to be gone rather than for time.
        while store.stats.liveItems > 0 { await Task.yield() }
        #expect(store.stats.liveItems == 0)
        await store.close()
    }

    @Test func timeToLiveCanBeSetLater() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let now = Int(clock.now().timeIntervalSince1970)
        let store = try openStore(dir, clock: clock)
        try await store.createTable(productsSchema)
        try await store.put("products", ["id": "p", "until": .number(now - 1)])
        #expect(try await store.get("products", key: ["id": "p"]) != nil)
        try await store.setTimeToLive(table: "products", attribute: "until")
        #expect(try await store.get("products", key: ["id": "p"]) == nil)
        #expect(try await store.removeExpiredItems() == 1)
        await #expect(throws: StoreError.validation("the time-to-live attribute must be a non-key attribute")) {
            try await store.setTimeToLive(table: "products", attribute: "id")
        }
        await store.close()
    }
}
