import Foundation
import Testing
import Telemetry
@testable import Store

@Suite struct SnapshotTests {
    func everything(_ store: Store, _ table: String) async throws -> [Item] {
        var all: [Item] = []
        var cursor: PageCursor? = nil
        repeat {
            let page = try await store.scan(table, ScanRequest(startAfter: cursor))
            all += page.items
            cursor = page.nextCursor
        } while cursor != nil
        return all
    }

    @Test func maintenanceSnapshotsCompactTheJournalAndRecoveryMatches() async throws {
        let dir = TemporaryDirectory()
        var options = quietOptions()
        options.journal.segmentByteLimit = 16 * 1024
        options.snapshotMinimumJournalBytes = 64 * 1024
        let store = try openStore(dir, options: options)
        try await store.createTable(ordersSchema)
        try await store.createTable(productsSchema)
        // Many overwrites of few keys: history grows, live data does not.
        for round in 0..<40 {
            for id in 0..<20 {
                try await store.put("products", ["id": .string("p\(id)"), "round": .number(round), "pad": .string(String(repeating: "x", count: 100))])
            }
            try await store.put("orders", ["user": "u", "at": .number(round)])
            if round % 10 == 9 { try await store.runMaintenance() }
        }
        try await store.delete("products", key: ["id": "p3"])
        let stats = store.stats
        #expect(stats.journal.snapshotLSN != nil)
        #expect(stats.journal.segmentCount < 8, "compaction should have removed old segments, have \(stats.journal.segmentCount)")
        let products = try await everything(store, "products")
        let orders = try await everything(store, "orders")
        #expect(products.count == 19 && orders.count == 40)
        await store.close()

        let reopened = try openStore(dir, options: options)
        #expect(try await everything(reopened, "products") == products)
        #expect(try await everything(reopened, "orders") == orders)
        #expect(reopened.stats.liveItems == 59)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(files.filter { $0.hasPrefix("snapshot-") }.count == 1)
        await reopened.close()
    }

    @Test func snapshotOfAnEmptyStoreIsHarmless() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir)
        #expect(try await store.snapshot() == false)
        try await store.createTable(productsSchema)
        #expect(try await store.snapshot())
        await store.close()
        let reopened = try openStore(dir)
        #expect(reopened.tableNames() == ["products"])
        await reopened.close()
    }
}

@Suite struct ExportTests {
    @Test func exportIsAConsistentCheckedSnapshotOfOneTable() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir)
        try await store.createTable(productsSchema)
        for i in 0..<50 { try await store.put("products", product(String(format: "p%02d", i), stock: i)) }
        try await store.put("products", ["id": "odd", "b": .binary([0, 255]), "n": .number(Number(parsing: "3.14159")!), "l": [nil, true, ["k": "v"]]])
        let target = dir.path + "/exports/run-1"
        let manifest = try await store.exportTable("products", to: target)
        #expect(manifest.itemCount == 51)
        #expect(manifest.changeSequence == store.changeFeedPosition)

        // Writes after the export do not leak into it.
        try await store.put("products", product("late"))
        let (readBack, items) = try Store.readExport(at: target)
        #expect(readBack == manifest)
        #expect(items.count == 51)
        #expect(items.first?["id"] == "odd", "exports are in key order")
        #expect(items[1] == product("p00", stock: 0))
        #expect(items.contains(["id": "odd", "b": .binary([0, 255]), "n": .number(Number(parsing: "3.14159")!), "l": [nil, true, ["k": "v"]]]))

        await #expect(throws: StoreError.export(path: target, reason: "the directory already exists")) {
            try await store.exportTable("products", to: target)
        }
        // Tampering is detected.
        let dataPath = target + "/" + manifest.dataFile
        var data = try Data(contentsOf: URL(fileURLWithPath: dataPath))
        data[10] ^= 1
        try data.write(to: URL(fileURLWithPath: dataPath))
        #expect(throws: StoreError.export(path: target, reason: "the data file does not match its checksum")) { try Store.readExport(at: target) }
        await #expect(throws: StoreError.tableNotFound("nope")) { try await store.exportTable("nope", to: dir.path + "/x") }
        await store.close()
    }

    @Test func dynamoJSONRoundTripsAndRejectsNonsense() throws {
        let item: Item = ["s": "a\"b\n", "n": .number(Number(parsing: "-1e-5")!), "t": true, "z": nil, "b": .binary([1, 2]), "l": [1, "x"], "m": ["k": false]]
        #expect(try DynamoJSON.decode(DynamoJSON.encode(item)) == item)
        #expect(DynamoJSON.encode(["n": 1, "a": "x"]) == #"{"a":{"S":"x"},"n":{"N":"1"}}"#)
        #expect(throws: StoreError.self) { try DynamoJSON.decode(#"{"a":{"N":"twelve"}}"#) }
        #expect(throws: StoreError.self) { try DynamoJSON.decode(#"{"a":{"BOOL":1}}"#) }
        #expect(throws: StoreError.self) { try DynamoJSON.decode(#"{"a":"plain"}"#) }
        #expect(throws: StoreError.self) { try DynamoJSON.decode(#"[1]"#) }
    }
}
