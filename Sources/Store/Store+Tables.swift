extension Store {
    /// Most tables one store holds.
    static let maximumTables = 1000

    /// Creates a table. Throws `.tableAlreadyExists` if the name is taken.
    public func createTable(_ schema: TableSchema) async throws(StoreError) {
        try schema.validate()
        try await perform(.createTable) { (s, _) throws(StoreError) -> Decision<Void> in
            guard s.tables[schema.name] == nil else { return .reject(.tableAlreadyExists(schema.name), observedLSN: s.appliedLSN) }
            guard s.tables.count < Self.maximumTables else {
                return .reject(.validation("a store holds at most \(Self.maximumTables) tables"), observedLSN: 0)
            }
            return .commit(.createTable(schema), ())
        }
    }

    /// Creates the table unless it exists with the same key schema; throws if it exists with a different one.
    public func ensureTable(_ schema: TableSchema) async throws(StoreError) {
        if let existing = self.schema(of: schema.name) {
            guard existing.partitionKey == schema.partitionKey, existing.sortKey == schema.sortKey else {
                throw .validation("table \"\(schema.name)\" exists with a different key schema")
            }
            if existing.timeToLiveAttribute != schema.timeToLiveAttribute {
                try await setTimeToLive(table: schema.name, attribute: schema.timeToLiveAttribute)
            }
            return
        }
        do {
            try await createTable(schema)
        } catch .tableAlreadyExists {
            return
        }
    }

    /// Deletes a table and all its items.
    public func deleteTable(_ name: String) async throws(StoreError) {
        try await perform(.deleteTable) { (s, _) throws(StoreError) -> Decision<Void> in
            guard s.tables[name] != nil else { return .reject(.tableNotFound(name), observedLSN: s.appliedLSN) }
            return .commit(.deleteTable(name), ())
        }
    }

    /// Sets (or clears, with nil) the attribute holding each item's expiry in epoch seconds.
    public func setTimeToLive(table name: String, attribute: String?) async throws(StoreError) {
        try await perform(.timeToLive) { (s, _) throws(StoreError) -> Decision<Void> in
            var schema = try Self.table(name, in: s).schema
            schema.timeToLiveAttribute = attribute
            try schema.validate()
            return .commit(.setTimeToLive(table: name, attribute: attribute), ())
        }
    }

    /// The schema of table `name`, if it exists.
    public func schema(of name: String) -> TableSchema? {
        state.withLock { $0.tables[name]?.schema }
    }

    /// Names of all tables, sorted.
    public func tableNames() -> [String] {
        state.withLock { $0.tables.keys.sorted() }
    }
}
