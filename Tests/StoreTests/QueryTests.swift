import Foundation
import Testing
import Telemetry
import FuzzSupport
@testable import Store

@Suite struct QueryAndScanTests {
    func ordersStore(_ dir: TemporaryDirectory) async throws -> Store {
        let store = try openStore(dir)
        try await store.createTable(ordersSchema)
        for user in ["ann", "bob"] {
            for at in 1...25 { try await store.put("orders", ["user": .string(user), "at": .number(at), "total": .number(at * 100)]) }
        }
        return store
    }

    func ats(_ page: Page) -> [Int64] { page.items.compactMap { $0["at"]?.int64Value } }

    @Test func sortKeyConditions() async throws {
        let dir = TemporaryDirectory()
        let store = try await ordersStore(dir)
        func query(_ condition: SortKeyCondition?, ascending: Bool = true) async throws -> [Int64] {
            ats(try await store.query("orders", QueryRequest(partitionKey: "ann", sortKey: condition, ascending: ascending)))
        }
        #expect(try await query(nil) == Array(1...25))
        #expect(try await query(.equal(7)) == [7])
        #expect(try await query(.lessThan(3)) == [1, 2])
        #expect(try await query(.lessThanOrEqual(3)) == [1, 2, 3])
        #expect(try await query(.greaterThan(23)) == [24, 25])
        #expect(try await query(.greaterThanOrEqual(23)) == [23, 24, 25])
        #expect(try await query(.between(10, 12)) == [10, 11, 12])
        #expect(try await query(.between(10, 12), ascending: false) == [12, 11, 10])
        #expect(try await store.query("orders", QueryRequest(partitionKey: "nobody")).items.isEmpty)
        await #expect(throws: StoreError.validation("BETWEEN bounds are reversed: 12 is greater than 10")) { try await query(.between(12, 10)) }
        await #expect(throws: StoreError.self) { try await query(.equal("seven")) }
        await #expect(throws: StoreError.self) { try await store.query("orders", QueryRequest(partitionKey: 5)) }
        await store.close()
    }

    @Test func beginsWithOnStringSortKeys() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir)
        try await store.createTable(TableSchema(name: "events", partitionKey: KeyAttribute("user", .string), sortKey: KeyAttribute("sk", .string)))
        for sk in ["cart#1", "cart#2", "order#1", "order#10", "order#2", "orders", "view#1"] {
            try await store.put("events", ["user": "u", "sk": .string(sk)])
        }
        let page = try await store.query("events", QueryRequest(partitionKey: "u", sortKey: .beginsWith("order#")))
        #expect(page.items.compactMap { $0["sk"]?.stringValue } == ["order#1", "order#10", "order#2"])
        await store.close()
    }

    @Test func cursorsWalkEveryItemExactlyOnceInBothDirections() async throws {
        let dir = TemporaryDirectory()
        let store = try await ordersStore(dir)
        for ascending in [true, false] {
            var seen: [Int64] = []
            var cursor: PageCursor? = nil
            repeat {
                let page = try await store.query("orders", QueryRequest(partitionKey: "bob", limit: 7, startAfter: cursor, ascending: ascending))
                seen += ats(page)
                // The token form survives a trip through an API.
                cursor = try page.nextCursor.map { try PageCursor(token: $0.token) }
            } while cursor != nil
            #expect(seen == (ascending ? Array(1...25) : Array((1...25).reversed())))
        }
        await store.close()
    }

    @Test func filterRunsAfterTheLimitAsInDynamoDB() async throws {
        let dir = TemporaryDirectory()
        let store = try await ordersStore(dir)
        let page = try await store.query("orders", QueryRequest(partitionKey: "ann", filter: .compare("total", .greater, 500), limit: 10))
        #expect(page.examinedCount == 10)
        #expect(ats(page) == [6, 7, 8, 9, 10])
        #expect(page.nextCursor != nil)
        await store.close()
    }

    @Test func scanPagesCoverTheTableInKeyOrder() async throws {
        let dir = TemporaryDirectory()
        let store = try await ordersStore(dir)
        var keys: [String] = []
        var cursor: PageCursor? = nil
        repeat {
            let page = try await store.scan("orders", ScanRequest(limit: 9, startAfter: cursor))
            keys += page.items.map { "\($0["user"]!.stringValue!)-\($0["at"]!.int64Value!)" }
            cursor = page.nextCursor
        } while cursor != nil
        #expect(keys == ["ann", "bob"].flatMap { user in (1...25).map { "\(user)-\($0)" } })

        try await store.createTable(productsSchema)
        for i in 0..<30 { try await store.put("products", product(String(format: "p%02d", i))) }
        var ids: [String] = []
        cursor = nil
        repeat {
            let page = try await store.scan("products", ScanRequest(filter: .beginsWith("id", "p1"), limit: 4, startAfter: cursor))
            ids += page.items.compactMap { $0["id"]?.stringValue }
            cursor = page.nextCursor
        } while cursor != nil
        #expect(ids == (10...19).map { "p\($0)" })
        await #expect(throws: StoreError.validation("limit must be between 1 and 10000, got 0")) { try await store.scan("products", ScanRequest(limit: 0)) }
        #expect(throws: StoreError.validation("the page cursor is malformed")) { try PageCursor(token: "!!!") }
        await store.close()
    }
}

@Suite struct KeyOrderTests {
    /// String keys order by their UTF-8 bytes (DynamoDB's rule); the byte comparison must agree with the
    /// generic one on any text, prefixes, empty strings and non-ASCII included.
    @Test func stringKeysOrderByTheirUTF8Bytes() {
        let pieces = ["a", "b", "ab", "", "é", "e\u{301}", "日本", "🛒", "\u{0}", "Z", "z", "0", "o-", "u1", "u10"]
        Fuzz.run("string key order", defaultCases: 5000) { generator, index in
            let a = generator.string(pieces: pieces, maximum: 12), b = generator.chance(0.2) ? a : generator.string(pieces: pieces, maximum: 12)
            let expected = a.utf8.lexicographicallyPrecedes(b.utf8)
            #expect((KeyValue.string(a) < KeyValue.string(b)) == expected, "case \(index): \(Array(a.utf8)) < \(Array(b.utf8))")
        }
    }
}
