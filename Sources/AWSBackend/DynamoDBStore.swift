import AWS
import Foundation
import Store
import Synchronization

/// A `DocumentStore` on DynamoDB: each shop table is a DynamoDB table named `prefix + name`, billed per
/// request; reads are `ConsistentRead` (the shop reads what it has just written); transactions carry the
/// caller's idempotency token as `ClientRequestToken`; a failed condition returns the item it failed on
/// (`ReturnValuesOnConditionCheckFailure`). Errors come back as the same `StoreError`s the embedded
/// store throws, so the shop cannot tell the backends apart (`DocumentStoreConformanceTests`).
public final class DynamoDBStore: DocumentStore {
    let client: AWSClient
    public let prefix: String
    /// Table schemas seen (created or described), for keys, cursors and `ensureTable`.
    private let schemas = Mutex<[String: TableSchema]>([:])
    private let counters = Mutex<(reads: Int, writes: Int)>((0, 0))
    private let createdTables = Mutex<[String]>([])

    /// The tables this store created (`table prefix-orders`), for a first start to say what it made.
    public var created: [String] { createdTables.withLock { $0 } }

    public init(client: AWSClient, prefix: String = "shopdeck-") {
        self.client = client
        self.prefix = prefix
    }

    // MARK: Tables

    public func createTable(_ schema: TableSchema) async throws(StoreError) {
        var attributes = [["AttributeName": schema.partitionKey.name, "AttributeType": schema.partitionKey.type.rawValue]]
        var keys = [["AttributeName": schema.partitionKey.name, "KeyType": "HASH"]]
        if let sort = schema.sortKey {
            attributes.append(["AttributeName": sort.name, "AttributeType": sort.type.rawValue])
            keys.append(["AttributeName": sort.name, "KeyType": "RANGE"])
        }
        _ = try await call("CreateTable", table: schema.name, ["TableName": prefix + schema.name, "BillingMode": "PAY_PER_REQUEST",
                                                                 "AttributeDefinitions": attributes, "KeySchema": keys])
        schemas.withLock { $0[schema.name] = schema }
        createdTables.withLock { $0.append("table \(prefix)\(schema.name)") }
        if let attribute = schema.timeToLiveAttribute { try await setTimeToLive(table: schema.name, attribute: attribute) }
    }

    public func ensureTable(_ schema: TableSchema) async throws(StoreError) {
        if let existing = try await describe(schema.name) {
            guard existing.partitionKey == schema.partitionKey, existing.sortKey == schema.sortKey else {
                throw .validation("table \"\(schema.name)\" exists with a different key schema")
            }
            return
        }
        do {
            try await createTable(schema)
        } catch {
            guard case .tableAlreadyExists = error else { throw error }  // created meanwhile by another instance
        }
    }

    public func setTimeToLive(table: String, attribute: String?) async throws(StoreError) {
        // DynamoDB disables TTL by naming the attribute it was enabled on.
        let current = schemas.withLock { $0[table]?.timeToLiveAttribute }
        guard let name = attribute ?? current else { return }
        _ = try await call("UpdateTimeToLive", table: table, ["TableName": prefix + table,
                                                             "TimeToLiveSpecification": ["AttributeName": name, "Enabled": attribute != nil]])
    }

    /// The table's schema from DynamoDB (cached), or nil when it does not exist.
    func describe(_ table: String) async throws(StoreError) -> TableSchema? {
        if let known = schemas.withLock({ $0[table] }) { return known }
        let answer: [String: Any]
        do {
            answer = try await call("DescribeTable", table: table, ["TableName": prefix + table])
        } catch {
            if case .tableNotFound = error { return nil }
            throw error
        }
        guard let description = answer["Table"] as? [String: Any], let keys = description["KeySchema"] as? [[String: String]],
              let definitions = description["AttributeDefinitions"] as? [[String: String]] else {
            throw .validation("DynamoDB described table \"\(table)\" without its key schema")
        }
        func attribute(_ role: String) -> KeyAttribute? {
            guard let name = keys.first(where: { $0["KeyType"] == role })?["AttributeName"],
                  let type = definitions.first(where: { $0["AttributeName"] == name })?["AttributeType"].flatMap(KeyType.init) else { return nil }
            return KeyAttribute(name, type)
        }
        guard let partition = attribute("HASH") else { throw .validation("table \"\(table)\" has no partition key") }
        let schema = TableSchema(name: table, partitionKey: partition, sortKey: attribute("RANGE"))
        schemas.withLock { $0[table] = schema }
        return schema
    }

    func schema(_ table: String) async throws(StoreError) -> TableSchema {
        guard let schema = try await describe(table) else { throw .tableNotFound(table) }
        return schema
    }

    // MARK: Items

    public func get(_ table: String, key: Item) async throws(StoreError) -> Item? {
        let answer = try await call("GetItem", table: table, ["TableName": prefix + table, "Key": DynamoDBJSON.encode(key), "ConsistentRead": true])
        count(reads: 1)
        return try (answer["Item"] as? [String: Any]).map { json throws(StoreError) in try item(json, table) }
    }

    public func put(_ table: String, _ item: Item, condition: Condition?) async throws(StoreError) -> Item? {
        var body: [String: Any] = ["TableName": prefix + table, "Item": DynamoDBJSON.encode(item), "ReturnValues": "ALL_OLD"]
        conditioned(&body, condition)
        let answer = try await call("PutItem", table: table, body, key: item)
        count(writes: 1)
        return try (answer["Attributes"] as? [String: Any]).map { json throws(StoreError) in try self.item(json, table) }
    }

    public func update(_ table: String, key: Item, _ update: UpdateExpression, condition: Condition?) async throws(StoreError) -> Item {
        var renderer = ExpressionRenderer()
        var body: [String: Any] = ["TableName": prefix + table, "Key": DynamoDBJSON.encode(key), "ReturnValues": "ALL_NEW",
                                   "UpdateExpression": renderer.update(update), "ReturnValuesOnConditionCheckFailure": "ALL_OLD"]
        if let condition { body["ConditionExpression"] = renderer.condition(condition) }
        renderer.attach(to: &body)
        let answer = try await call("UpdateItem", table: table, body, key: key)
        count(writes: 1)
        return try item(answer["Attributes"] as? [String: Any] ?? [:], table)
    }

    public func delete(_ table: String, key: Item, condition: Condition?) async throws(StoreError) -> Item? {
        var body: [String: Any] = ["TableName": prefix + table, "Key": DynamoDBJSON.encode(key), "ReturnValues": "ALL_OLD"]
        conditioned(&body, condition)
        let answer = try await call("DeleteItem", table: table, body, key: key)
        count(writes: 1)
        return try (answer["Attributes"] as? [String: Any]).map { json throws(StoreError) in try item(json, table) }
    }

    private func conditioned(_ body: inout [String: Any], _ condition: Condition?) {
        guard let condition else { return }
        var renderer = ExpressionRenderer()
        body["ConditionExpression"] = renderer.condition(condition)
        body["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        renderer.attach(to: &body)
    }

    // MARK: Transactions

    public func transactWrite(_ actions: [TransactionAction], clientToken: String?) async throws(StoreError) {
        var items: [[String: Any]] = []
        for action in actions {
            var renderer = ExpressionRenderer()
            var entry: [String: Any]
            let kind: String
            switch action {
            case let .put(table, item, condition):
                kind = "Put"
                entry = ["TableName": prefix + table, "Item": DynamoDBJSON.encode(item)]
                if let condition { entry["ConditionExpression"] = renderer.condition(condition) }
            case let .update(table, key, update, condition):
                kind = "Update"
                entry = ["TableName": prefix + table, "Key": DynamoDBJSON.encode(key), "UpdateExpression": renderer.update(update)]
                if let condition { entry["ConditionExpression"] = renderer.condition(condition) }
            case let .delete(table, key, condition):
                kind = "Delete"
                entry = ["TableName": prefix + table, "Key": DynamoDBJSON.encode(key)]
                if let condition { entry["ConditionExpression"] = renderer.condition(condition) }
            case let .conditionCheck(table, key, condition):
                kind = "ConditionCheck"
                entry = ["TableName": prefix + table, "Key": DynamoDBJSON.encode(key), "ConditionExpression": renderer.condition(condition)]
            }
            renderer.attach(to: &entry)
            items.append([kind: entry])
        }
        var body: [String: Any] = ["TransactItems": items]
        if let clientToken { body["ClientRequestToken"] = clientToken }
        _ = try await call("TransactWriteItems", table: nil, body, token: clientToken)
        count(writes: actions.count * 2)  // a transactional write costs two write units per item
    }

    public func transactGet(_ keys: [(table: String, key: Item)]) async throws(StoreError) -> [Item?] {
        let body: [String: Any] = ["TransactItems": keys.map { ["Get": ["TableName": prefix + $0.table, "Key": DynamoDBJSON.encode($0.key)]] }]
        let answer = try await call("TransactGetItems", table: nil, body)
        count(reads: keys.count * 2)
        let responses = answer["Responses"] as? [[String: Any]] ?? []
        var result: [Item?] = []
        for (index, entry) in keys.enumerated() {
            let json = index < responses.count ? responses[index]["Item"] as? [String: Any] : nil
            result.append(try json.map { json throws(StoreError) in try item(json, entry.table) })
        }
        return result
    }

    // MARK: Queries

    public func query(_ table: String, _ request: QueryRequest) async throws(StoreError) -> Page {
        let schema = try await schema(table)
        var renderer = ExpressionRenderer()
        var body: [String: Any] = ["TableName": prefix + table, "ConsistentRead": true, "ScanIndexForward": request.ascending,
                                   "KeyConditionExpression": renderer.keyCondition(partition: schema.partitionKey.name, request.partitionKey,
                                                                                  sort: schema.sortKey?.name, request.sortKey)]
        if let filter = request.filter { body["FilterExpression"] = renderer.condition(filter) }
        return try await page("Query", schema, &body, renderer, limit: request.limit, after: request.startAfter)
    }

    public func scan(_ table: String, _ request: ScanRequest) async throws(StoreError) -> Page {
        let schema = try await schema(table)
        var renderer = ExpressionRenderer()
        var body: [String: Any] = ["TableName": prefix + table, "ConsistentRead": true]
        if let filter = request.filter { body["FilterExpression"] = renderer.condition(filter) }
        return try await page("Scan", schema, &body, renderer, limit: request.limit, after: request.startAfter)
    }

    private func page(_ operation: String, _ schema: TableSchema, _ body: inout [String: Any], _ renderer: ExpressionRenderer,
                      limit: Int?, after cursor: PageCursor?) async throws(StoreError) -> Page {
        renderer.attach(to: &body)
        if let limit { body["Limit"] = limit }
        if let cursor { body["ExclusiveStartKey"] = DynamoDBJSON.encode(cursor.key.attributes(in: schema)) }
        let answer = try await call(operation, table: schema.name, body)
        let items = try (answer["Items"] as? [[String: Any]] ?? []).map { json throws(StoreError) in try item(json, schema.name) }
        count(reads: max(1, answer["ScannedCount"] as? Int ?? items.count))
        var next: PageCursor?
        if let last = (answer["LastEvaluatedKey"] as? [String: Any]).flatMap(DynamoDBJSON.decodeItem) {
            guard let partition = last[schema.partitionKey.name].flatMap({ KeyValue($0, type: schema.partitionKey.type) }) else {
                throw .validation("DynamoDB's LastEvaluatedKey for \"\(schema.name)\" lacks its partition key")
            }
            let sort = schema.sortKey.flatMap { key in last[key.name].flatMap { KeyValue($0, type: key.type) } }
            next = PageCursor(key: PrimaryKey(partition: partition, sort: sort))
        }
        return Page(items: items, nextCursor: next, examinedCount: answer["ScannedCount"] as? Int ?? items.count)
    }

    /// Writes the table to `directory` in the embedded store's export format, by consistent `Scan` pages
    /// (1 MB each, DynamoDB's page), leaving out items whose time to live has passed (DynamoDB deletes them
    /// only within days; reads still return them). Unlike the embedded export this is not one instant:
    /// items written during the scan may or may not be in it — for the pipeline's training data, which
    /// tolerates a purchase more or less, that is enough; a point-in-time copy is DynamoDB's export to S3,
    /// which needs point-in-time recovery on the table and an S3 bucket.
    public func exportTable(_ name: String, to directory: String) async throws(StoreError) -> ExportManifest {
        let schema = try await schema(name)
        let startedAt = Date()
        let nowSeconds = Int64(startedAt.timeIntervalSince1970)
        var writer = try ExportWriter(directory: directory)
        do throws(StoreError) {
            var cursor: PageCursor?
            repeat {
                let page = try await scan(name, ScanRequest(startAfter: cursor))
                for item in page.items {
                    if let attribute = schema.timeToLiveAttribute, let expiry = item[attribute]?.int64Value, expiry <= nowSeconds { continue }
                    try writer.append(item)
                }
                cursor = page.nextCursor
            } while cursor != nil
            return try writer.finish(table: name, changeSequence: 0, exportedAt: startedAt)
        } catch {
            writer.abandon()
            throw error
        }
    }

    /// Requests' read and write units so far (as DynamoDB bills them on demand: a transactional item counts
    /// twice), for the status page and the cost estimate.
    public var requestUnits: (reads: Int, writes: Int) { counters.withLock { ($0.reads, $0.writes) } }

    private func count(reads: Int = 0, writes: Int = 0) { counters.withLock { $0.reads += reads; $0.writes += writes } }

    // MARK: Calls and errors

    private func item(_ json: [String: Any], _ table: String) throws(StoreError) -> Item {
        guard let item = DynamoDBJSON.decodeItem(json) else { throw .validation("an item of \"\(table)\" holds a type this store does not support") }
        return item
    }

    /// Calls `operation` with `body`; AWS errors become the `StoreError` the embedded store would throw.
    private func call(_ operation: String, table: String?, _ body: [String: Any], key: Item? = nil, token: String? = nil)
        async throws(StoreError) -> [String: Any] {
        let data: Data
        do {
            data = try JSONSerialization.data(withJSONObject: body)
        } catch {
            throw .validation("the request could not be written as JSON: \(error)")
        }
        do {
            let answer = try await client.call(.dynamodb, target: "DynamoDB_20120810.\(operation)", body: data, resource: table.map { prefix + $0 })
            return (try? JSONSerialization.jsonObject(with: answer)) as? [String: Any] ?? [:]
        } catch {
            throw storeError(error, table: table, key: key, token: token)
        }
    }

    func storeError(_ error: AWSError, table: String?, key: Item?, token: String?) -> StoreError {
        guard case let .service(_, status, code, message, body) = error else { return .unavailable("\(error)") }
        if error.isRetryable { return .unavailable("\(error) (after \(client.policy.maximumAttempts) attempts, HTTP \(status))") }
        let document = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
        switch code {
        case "ResourceNotFoundException": return .tableNotFound(table ?? message)
        case "ResourceInUseException": return .tableAlreadyExists(table ?? message)
        case "ConditionalCheckFailedException":
            let item = (document["Item"] as? [String: Any]).flatMap(DynamoDBJSON.decodeItem)
            return .conditionalCheckFailed(table: table ?? "?", key: primaryKey(key, table: table), item: item)
        case "TransactionCanceledException":
            let reasons = (document["CancellationReasons"] as? [[String: Any]] ?? []).map { reason in
                CancellationReason(code: CancellationReason.Code(rawValue: reason["Code"] as? String ?? "None") ?? .validationError,
                                   message: reason["Message"] as? String)
            }
            return .transactionCanceled(reasons)
        case "IdempotentParameterMismatchException": return .idempotentParameterMismatch(token: token ?? "")
        case "ValidationException", "ItemCollectionSizeLimitExceededException": return .validation(message)
        default: return .validation("DynamoDB: \(error)")
        }
    }

    /// `key` as a primary key under the table's known schema (a placeholder when either is unknown).
    private func primaryKey(_ key: Item?, table: String?) -> PrimaryKey {
        let schema = table.flatMap { name in schemas.withLock { $0[name] } }
        guard let schema, let key, let partition = key[schema.partitionKey.name].flatMap({ KeyValue($0, type: schema.partitionKey.type) }) else {
            return PrimaryKey(partition: .string("?"))
        }
        return PrimaryKey(partition: partition, sort: schema.sortKey.flatMap { sort in key[sort.name].flatMap { KeyValue($0, type: sort.type) } })
    }
}
