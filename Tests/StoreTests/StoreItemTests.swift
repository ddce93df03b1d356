import Foundation
import Testing
import Telemetry
@testable import Store

@Suite struct StoreItemTests {
    @Test func putGetDeleteAndReopen() async throws {
        let dir = TemporaryDirectory()
        do {
            let store = try openStore(dir)
            try await store.createTable(productsSchema)
            #expect(try await store.put("products", product("p1")) == nil)
            #expect(try await store.get("products", key: ["id": "p1"]) == product("p1"))
            #expect(try await store.put("products", product("p1", stock: 3)) == product("p1"))
            try await store.put("products", product("p2"))
            #expect(try await store.delete("products", key: ["id": "p2"]) == product("p2"))
            #expect(try await store.get("products", key: ["id": "p2"]) == nil)
            #expect(try await store.delete("products", key: ["id": "nope"]) == nil)
            await store.close()
        }
        let store = try openStore(dir)
        #expect(store.tableNames() == ["products"])
        #expect(try await store.get("products", key: ["id": "p1"]) == product("p1", stock: 3))
        #expect(try await store.get("products", key: ["id": "p2"]) == nil)
        #expect(store.stats.liveItems == 1)
        await store.close()
    }

    @Test func everyKindOfAttributeRoundTripsThroughTheJournal() async throws {
        let dir = TemporaryDirectory()
        let item: Item = [
            "id": "all", "s": "héllo ✓", "n": .number(Number(parsing: "-12.5e3")!), "big": .number(Number(parsing: "123456789012345678901234567890")!),
            "small": .number(Number(parsing: "0.000001")!), "t": true, "f": false, "z": nil, "b": .binary([0, 1, 255]),
            "l": [1, "two", [3]], "m": ["inner": ["deep": 1], "empty": [:]],
        ]
        do {
            let store = try openStore(dir)
            try await store.createTable(productsSchema)
            try await store.put("products", item)
            await store.close()
        }
        let store = try openStore(dir)
        #expect(try await store.get("products", key: ["id": "all"]) == item)
        await store.close()
    }

    @Test func badInputIsATypedErrorAndWritesNothing() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir)
        try await store.createTable(productsSchema)
        let before = store.stats.journal.lastLSN

        await #expect(throws: StoreError.tableNotFound("nope")) { try await store.put("nope", product("p1")) }
        await #expect(throws: StoreError.validation("key attribute \"id\" of table \"products\" must be of type S, got N")) {
            try await store.put("products", ["id": 7, "name": "x"])
        }
        await #expect(throws: StoreError.validation("missing key attribute \"id\" for table \"products\"")) {
            try await store.put("products", ["name": "x"])
        }
        await #expect(throws: StoreError.validation("a key for table \"products\" holds only id; unexpected stock")) {
            try await store.get("products", key: ["id": "p1", "stock": 1])
        }
        let huge: Item = ["id": "big", "blob": .binary([UInt8](repeating: 7, count: 410 * 1024))]
        await #expect {
            try await store.put("products", huge)
        } throws: { error in
            guard case .itemTooLarge(let size, let limit) = error as? StoreError else { return false }
            return size > limit && limit == 400 * 1024
        }
        #expect {
            try Condition(parsing: "attribute_exists(id) AND AND stock > :z", values: [":z": 0])
        } throws: { error in
            guard case .expression(let e) = error as? StoreError else { return false }
            return e.offset == 25 && e.message.contains("reserved word")
        }
        #expect(throws: StoreError.self) { try Condition(parsing: "stock > :missing") }
        await #expect(throws: StoreError.validation("table name \"x\" must be 3 to 255 characters of letters, digits, '_', '-' and '.'")) {
            try await store.createTable(TableSchema(name: "x", partitionKey: KeyAttribute("id", .string)))
        }
        await #expect(throws: StoreError.tableAlreadyExists("products")) { try await store.createTable(productsSchema) }

        #expect(store.stats.journal.lastLSN == before)
        #expect(store.stats.liveItems == 0)
        await store.close()
    }

    @Test func conditionalWritesFailWithTheCurrentItemAndChangeNothing() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir)
        try await store.createTable(productsSchema)
        try await store.put("products", product("p1", stock: 2), condition: .notExists("id"))
        await #expect {
            try await store.put("products", product("p1", stock: 99), condition: .notExists("id"))
        } throws: { error in
            error as? StoreError == .conditionalCheckFailed(table: "products", key: PrimaryKey(partition: .string("p1")), item: product("p1", stock: 2))
        }
        let decrement = UpdateExpression().add("stock", -1)
        let inStock = Condition.compare("stock", .greater, 0)
        #expect(try await store.update("products", key: ["id": "p1"], decrement, condition: inStock)["stock"] == 1)
        #expect(try await store.update("products", key: ["id": "p1"], decrement, condition: inStock)["stock"] == 0)
        await #expect(throws: StoreError.self) { try await store.update("products", key: ["id": "p1"], decrement, condition: inStock) }
        await #expect(throws: StoreError.self) { try await store.delete("products", key: ["id": "p1"], condition: .compare("stock", .greater, 5)) }
        #expect(try await store.get("products", key: ["id": "p1"])?["stock"] == 0)
        await store.close()
    }

    @Test func updateExpressionsSetRemoveAddAndCompute() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir)
        try await store.createTable(productsSchema)
        try await store.put("products", ["id": "p1", "stock": 5, "tags": ["tea"], "meta": ["views": 1], "tmp": "x"])
        let update = try UpdateExpression(
            parsing: "SET #n = :name, tags = list_append(tags, :more), meta.views = meta.views + :one, sold = if_not_exists(sold, :zero) + :one REMOVE tmp ADD stock :minus",
            names: ["#n": "name"], values: [":name": "Sencha", ":more": ["green"], ":one": 1, ":zero": 0, ":minus": -2])
        let updated = try await store.update("products", key: ["id": "p1"], update)
        #expect(updated == ["id": "p1", "name": "Sencha", "stock": 3, "tags": ["tea", "green"], "meta": ["views": 2], "sold": 1])
        // An update creates the item when it is missing.
        let created = try await store.update("products", key: ["id": "new"], UpdateExpression().add("stock", 4).set("name", "New"))
        #expect(created == ["id": "new", "stock": 4, "name": "New"])
        // Right-hand sides see the item before the update, so this swaps.
        try await store.put("products", ["id": "s", "a": 1, "b": 2])
        #expect(try await store.update("products", key: ["id": "s"], UpdateExpression(parsing: "SET a = b, b = a")) == ["id": "s", "a": 2, "b": 1])

        await #expect(throws: StoreError.validation("cannot update attribute id: it is part of the key")) {
            try await store.update("products", key: ["id": "p1"], UpdateExpression().set("id", "other"))
        }
        await #expect(throws: StoreError.validation("two document paths overlap with each other: meta and meta.views")) {
            try await store.update("products", key: ["id": "p1"], UpdateExpression(parsing: "SET meta = :m REMOVE meta.views", values: [":m": [:]]))
        }
        await #expect(throws: StoreError.validation("ADD needs name to be a number, but it is S")) {
            try await store.update("products", key: ["id": "p1"], UpdateExpression().add("name", 1))
        }
        await #expect(throws: StoreError.self) {
            try await store.update("products", key: ["id": "p1"], UpdateExpression(parsing: "SET missing.child = :v", values: [":v": 1]))
        }
        #expect(try await store.get("products", key: ["id": "p1"]) == updated)
        await store.close()
    }

    @Test func concurrentBuyersNeverOversell() async throws {
        for (buyers, stock) in [(200, 50), (40, 100), (64, 64)] {
            let dir = TemporaryDirectory()
            let store = try openStore(dir, clock: SystemClock())
            try await store.createTable(productsSchema)
            try await store.put("products", product("hot", stock: stock))
            let successes = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<buyers {
                    group.addTask {
                        do {
                            let after = try await store.update("products", key: ["id": "hot"], UpdateExpression().add("stock", -1),
                                                               condition: .compare("stock", .greater, 0))
                            return (after["stock"]?.int64Value ?? -1) >= 0
                        } catch {
                            return false
                        }
                    }
                }
                var count = 0
                for await ok in group where ok { count += 1 }
                return count
            }
            #expect(successes == min(buyers, stock))
            #expect(try await store.get("products", key: ["id": "hot"])?["stock"]?.int64Value == Int64(max(stock - buyers, 0)))
            await store.close()
            let reopened = try openStore(dir)
            #expect(try await reopened.get("products", key: ["id": "hot"])?["stock"]?.int64Value == Int64(max(stock - buyers, 0)))
            await reopened.close()
        }
    }

    @Test func readsSeeEveryAcknowledgedWrite() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir, clock: SystemClock())
        try await store.createTable(productsSchema)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<8 {
                group.addTask {
                    for version in 1...30 {
                        try await store.put("products", ["id": .string("w\(writer)"), "version": .number(version)])
                        let seen = try await store.get("products", key: ["id": .string("w\(writer)")])
                        #expect(seen?["version"]?.int64Value == Int64(version))
                    }
                }
            }
            try await group.waitForAll()
        }
        await store.close()
    }

    @Test func closedStoreRefusesWork() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir)
        try await store.createTable(productsSchema)
        await store.close()
        await #expect(throws: StoreError.closed) { try await store.put("products", product("p")) }
        await #expect(throws: StoreError.closed) { try await store.get("products", key: ["id": "p"]) }
    }

    @Test func secondOpenOfTheSameDirectoryIsRefused() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir)
        #expect {
            try openStore(dir)
        } throws: { error in
            guard case .journal(.locked(_, let pid)) = error as? StoreError else { return false }
            return pid == getpid()
        }
        await store.close()
    }
}
