/// What the shop needs of a document store — DynamoDB's data plane as the shop calls it: tables with a
/// time-to-live attribute, single-item reads and conditional writes, transactions (with an idempotency
/// token), queries, scans and exports. (Journal statistics and recovery reports are the embedded
/// engine's own, read from it by the core.)
///
/// The embedded `Store` is one; a backend on DynamoDB is another. The shop's components hold an
/// `any DocumentStore`, so they cannot reach past it into either one's workings (the journal, an HTTP
/// client). Reads are strongly consistent in both: the embedded store has no replicas, and a DynamoDB
/// backend must send `ConsistentRead` where the shop reads what it has just written.
public protocol DocumentStore: Sendable {
    /// Creates a table; `.tableExists` if one by that name does.
    func createTable(_ schema: TableSchema) async throws(StoreError)
    /// Creates the table unless one with the same schema exists; a different schema is `.validation`.
    func ensureTable(_ schema: TableSchema) async throws(StoreError)
    /// Names the attribute holding each item's expiry (seconds since 1970), or none.
    func setTimeToLive(table: String, attribute: String?) async throws(StoreError)

    func get(_ table: String, key: Item) async throws(StoreError) -> Item?
    /// Writes `item` if `condition` holds; returns the item it replaced.
    @discardableResult
    func put(_ table: String, _ item: Item, condition: Condition?) async throws(StoreError) -> Item?
    /// Applies `update` if `condition` holds; returns the item as it is after.
    @discardableResult
    func update(_ table: String, key: Item, _ update: UpdateExpression, condition: Condition?) async throws(StoreError) -> Item
    /// Deletes the item if `condition` holds; returns it.
    @discardableResult
    func delete(_ table: String, key: Item, condition: Condition?) async throws(StoreError) -> Item?

    /// All of `actions` or none; with `clientToken`, a repeat within the idempotency window applies once.
    func transactWrite(_ actions: [TransactionAction], clientToken: String?) async throws(StoreError)
    func transactGet(_ keys: [(table: String, key: Item)]) async throws(StoreError) -> [Item?]

    func query(_ table: String, _ request: QueryRequest) async throws(StoreError) -> Page
    func scan(_ table: String, _ request: ScanRequest) async throws(StoreError) -> Page
    /// Writes the table's items to `directory` (the pipeline's export step) and describes what it wrote.
    @discardableResult
    func exportTable(_ name: String, to directory: String) async throws(StoreError) -> ExportManifest

}

/// The calls without their optional parts, as the shop mostly makes them.
extension DocumentStore {
    @discardableResult
    public func put(_ table: String, _ item: Item) async throws(StoreError) -> Item? {
        try await put(table, item, condition: nil)
    }

    @discardableResult
    public func update(_ table: String, key: Item, _ update: UpdateExpression) async throws(StoreError) -> Item {
        try await self.update(table, key: key, update, condition: nil)
    }

    @discardableResult
    public func delete(_ table: String, key: Item) async throws(StoreError) -> Item? {
        try await delete(table, key: key, condition: nil)
    }

    public func transactWrite(_ actions: [TransactionAction]) async throws(StoreError) {
        try await transactWrite(actions, clientToken: nil)
    }

    public func scan(_ table: String) async throws(StoreError) -> Page {
        try await scan(table, ScanRequest())
    }
}

extension Store: DocumentStore {
    public func transactWrite(_ actions: [TransactionAction], clientToken: String?) async throws(StoreError) {
        try await transactWrite(actions, clientToken: clientToken, acknowledging: nil)
    }
}
