import AWS
import AWSBackend
import CrashHarness
import Foundation
import Testing
import Telemetry
@testable import Store

/// What every `DocumentStore` must do, written against the protocol alone so that one suite judges each
/// backend: the embedded `Store`, and `DynamoDBStore` against moto on loopback. The behaviours are
/// DynamoDB's as its documentation gives them — conditional writes that change nothing when they fail,
/// transactions that apply whole or not at all with a reason per action, an idempotency token that applies
/// a repeated transaction once, queries in sort-key order with pages that lose and repeat nothing.
@Suite struct DocumentStoreConformanceTests {
    enum Backend: String, CaseIterable, CustomStringConvertible {
        case embedded
        /// `DynamoDBStore` against moto on loopback (skipped, with a line saying so, when moto is missing).
        case dynamoDBOnMoto
        var description: String { rawValue }

        /// moto ignores `ClientRequestToken` (a replayed transaction applies twice; measured with moto 5.2.1):
        /// the replay is checked where the backend keeps tokens, and against AWS's documentation otherwise.
        var keepsIdempotencyTokens: Bool { self != .dynamoDBOnMoto }
    }

    /// A fresh, empty store of `backend` and how to dispose of it; nil when the backend cannot run here.
    static func open(_ backend: Backend) async throws -> (store: any DocumentStore, close: () async -> Void)? {
        switch backend {
        case .embedded:
            let directory = TemporaryDirectory()
            // Real time, as DynamoDB keeps it: expiry is judged against the same clock on both backends.
            let store = try openStore(directory, clock: SystemClock())
            return (store, { await store.close(); _ = directory })
        case .dynamoDBOnMoto:
            guard let moto = try await MotoServer.starting() else { return nil }
            let configuration = AWSConfiguration(region: "us-east-1", credentials: AWSCredentials(accessKeyID: "testing", secretAccessKey: "testing"),
                                                 endpoints: [.dynamodb: moto.endpoint])
            let store = DynamoDBStore(client: AWSClient(configuration: configuration), prefix: "conformance-")
            return (store, { moto.stop() })
        }
    }

    /// The pipeline's export step: every live item in one file with a checksummed manifest, expired ones
    /// left out, read back by the same reader whatever wrote it; an existing directory is never overwritten.
    @Test(arguments: Backend.allCases)
    func anExportHoldsEveryLiveItemInTheStoresFormat(_ backend: Backend) async throws {
        guard let (store, close) = try await Self.open(backend) else { return }
        let schema = TableSchema(name: "history", partitionKey: KeyAttribute("id", .string), timeToLiveAttribute: "expiresAt")
        try await store.ensureTable(schema)
        let now = Int(Date().timeIntervalSince1970)
        for index in 0..<60 {
            // Every fifth item expired an hour ago; the rest expire in an hour or never.
            let expiry: AttributeValue = index % 5 == 0 ? .number(now - 3_600) : index % 2 == 0 ? .number(now + 3_600) : .null
            var item: Item = ["id": .string("i\(index)"), "qty": .number(index)]
            if expiry != .null { item["expiresAt"] = expiry }
            try await store.put("history", item)
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(backend)-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let manifest = try await store.exportTable("history", to: directory)
        let (read, items) = try Store.readExport(at: directory)
        #expect(read == manifest && manifest.itemCount == 48 && manifest.table == "history")
        #expect(Set(items.compactMap { $0["id"]?.stringValue }) == Set((0..<60).filter { $0 % 5 != 0 }.map { "i\($0)" }))
        #expect(items.first { $0["id"] == "i7" }?["qty"] == 7)
        await #expect(throws: StoreError.self) { try await store.exportTable("history", to: directory) }
        await close()
    }

    @Test(arguments: Backend.allCases)
    func tablesAreCreatedOnceAndEnsuredIdempotently(_ backend: Backend) async throws {
        guard let (store, close) = try await Self.open(backend) else { return }
        try await store.ensureTable(productsSchema)
        try await store.ensureTable(productsSchema)
        await #expect(throws: StoreError.tableAlreadyExists("products")) { try await store.createTable(productsSchema) }
        await #expect(throws: StoreError.self) { try await store.ensureTable(TableSchema(name: "products", partitionKey: KeyAttribute("sku", .string))) }
        await #expect(throws: StoreError.tableNotFound("missing")) { _ = try await store.get("missing", key: ["id": "x"]) }
        await close()
    }

    @Test(arguments: Backend.allCases)
    func aFailedConditionChangesNothingAndSaysWhy(_ backend: Backend) async throws {
        guard let (store, close) = try await Self.open(backend) else { return }
        try await store.ensureTable(productsSchema)
        #expect(try await store.put("products", product("p1", stock: 1), condition: .notExists("id")) == nil)
        await #expect(throws: StoreError.self) { try await store.put("products", product("p1", stock: 9), condition: .notExists("id")) }
        let sell = UpdateExpression().add("stock", -1)
        #expect(try await store.update("products", key: ["id": "p1"], sell, condition: .compare("stock", .greater, 0))["stock"] == 0)
        do {
            _ = try await store.update("products", key: ["id": "p1"], sell, condition: .compare("stock", .greater, 0))
            Issue.record("sold stock that was not there")
        } catch {
            guard case .conditionalCheckFailed(let table, _, let item) = error else { Issue.record("\(error)"); await close(); return }
            #expect(table == "products" && item?["stock"] == 0)
        }
        #expect(try await store.get("products", key: ["id": "p1"])?["stock"] == 0)
        #expect(try await store.delete("products", key: ["id": "p1"])?["name"] == "Product p1")
        #expect(try await store.get("products", key: ["id": "p1"]) == nil)
        await close()
    }

    @Test(arguments: Backend.allCases)
    func transactionsApplyWholeOrNotAtAllAndATokenAppliesOnce(_ backend: Backend) async throws {
        guard let (store, close) = try await Self.open(backend) else { return }
        try await store.ensureTable(productsSchema)
        try await store.ensureTable(ordersSchema)
        try await store.put("products", product("a", stock: 1))
        try await store.put("products", product("b", stock: 0))
        let buyBoth: [TransactionAction] = [
            .update(table: "products", key: ["id": "a"], update: UpdateExpression().add("stock", -1), condition: .compare("stock", .greater, 0)),
            .update(table: "products", key: ["id": "b"], update: UpdateExpression().add("stock", -1), condition: .compare("stock", .greater, 0)),
            .put(table: "orders", item: ["user": "ann", "at": 1]),
        ]
        do {
            try await store.transactWrite(buyBoth, clientToken: nil)
            Issue.record("a transaction with a failing condition applied")
        } catch {
            guard case .transactionCanceled(let reasons) = error else { Issue.record("\(error)"); await close(); return }
            #expect(reasons.map(\.code) == [.none, .conditionalCheckFailed, .none])
        }
        #expect(try await store.get("products", key: ["id": "a"])?["stock"] == 1)
        #expect(try await store.get("orders", key: ["user": "ann", "at": 1]) == nil)

        let buyA: [TransactionAction] = [
            .update(table: "products", key: ["id": "a"], update: UpdateExpression().add("stock", -1), condition: .compare("stock", .greater, 0)),
            .put(table: "orders", item: ["user": "bob", "at": 2]),
        ]
        try await store.transactWrite(buyA, clientToken: "order-bob-2")
        if backend.keepsIdempotencyTokens {
            try await store.transactWrite(buyA, clientToken: "order-bob-2")  // a retry after a lost answer: applied once, succeeds again
            await #expect(throws: StoreError.idempotentParameterMismatch(token: "order-bob-2")) {
                try await store.transactWrite([.put(table: "orders", item: ["user": "eve", "at": 3])], clientToken: "order-bob-2")
            }
        }
        #expect(try await store.get("products", key: ["id": "a"])?["stock"] == 0)
        let both = try await store.transactGet([(table: "products", key: ["id": "a"]), (table: "orders", key: ["user": "bob", "at": 2])])
        #expect(both.count == 2 && both[0]?["stock"] == 0 && both[1] != nil)
        await close()
    }

    @Test(arguments: Backend.allCases)
    func queriesAndScansPageInOrderWithoutLosingOrRepeating(_ backend: Backend) async throws {
        guard let (store, close) = try await Self.open(backend) else { return }
        try await store.ensureTable(ordersSchema)
        for at in 0..<25 { try await store.put("orders", ["user": "ann", "at": .number(at), "total": .number(at * 100)]) }
        for at in 0..<5 { try await store.put("orders", ["user": "bob", "at": .number(at)]) }
        var seen: [Int] = []
        var cursor: PageCursor?
        repeat {
            let page = try await store.query("orders", QueryRequest(partitionKey: "ann", limit: 7, startAfter: cursor, ascending: false))
            seen += page.items.compactMap { $0["at"]?.int64Value.map(Int.init) }
            cursor = page.nextCursor
        } while cursor != nil
        #expect(seen == Array((0..<25).reversed()))
        let range = try await store.query("orders", QueryRequest(partitionKey: "ann", sortKey: .between(10, 12)))
        #expect(range.items.compactMap { $0["at"]?.int64Value } == [10, 11, 12])
        let filtered = try await store.query("orders", QueryRequest(partitionKey: "ann", filter: .compare("total", .greater, 2000)))
        #expect(filtered.items.count == 4)
        var scanned = 0
        var scanCursor: PageCursor?
        repeat {
            let page = try await store.scan("orders", ScanRequest(limit: 4, startAfter: scanCursor))
            scanned += page.items.count
            scanCursor = page.nextCursor
        } while scanCursor != nil
        #expect(scanned == 30)
        await close()
    }
}
