import Journal

/// Limits and housekeeping settings of a store.
public struct StoreOptions: Sendable {
    /// Journal layout and recovery policy.
    public var journal = JournalOptions()
    /// Largest item, in encoded bytes (DynamoDB: 400 KB).
    public var maximumItemBytes = 400 * 1024
    /// Most actions in one transaction (DynamoDB: 100).
    public var maximumTransactionActions = 100
    /// Largest transaction, in encoded bytes of its items (DynamoDB: 4 MB).
    public var maximumTransactionBytes = 4 << 20
    /// Changes kept for consumers that have not acknowledged them; beyond this the oldest are dropped
    /// and the lagging consumer is told to resynchronise.
    public var changeFeedCapacity = 1_000_000
    /// A snapshot is taken once the journal has grown by this many bytes since the last one, or by the
    /// size of the live data if that is larger — so recovery time and disk use stay proportional to live data.
    public var snapshotMinimumJournalBytes = 64 << 20
    /// How often the background task expires items, forgets old client tokens and considers a snapshot;
    /// nil for no background task (tests call `runMaintenance()` themselves).
    public var maintenanceIntervalSeconds: Double? = 1
    /// Most expired items removed per maintenance pass (bounds the work of one pass).
    public var expiredItemsPerPass = 1000

    public init() {}
}

/// What the store holds and has done, for status pages and the console.
public struct StoreStats: Sendable {
    public struct Table: Sendable {
        public var name: String
        public var items: Int
        public var bytes: Int
    }

    public var tables: [Table]
    public var journal: JournalStats
    public var recovery: RecoveryReport
    public var retainedChanges: Int
    public var changeConsumers: [String: UInt64]
    public var idempotencyTokens: Int
    public var liveBytes: Int { tables.reduce(0) { $0 + $1.bytes } }
    public var liveItems: Int { tables.reduce(0) { $0 + $1.items } }
}
