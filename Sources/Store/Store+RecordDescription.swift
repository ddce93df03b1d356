/// What a journal record of the store touched, for `shopdeck repair` to say what a lost record held.
extension Store {
    /// `table key` for each item a write record changes (or the table a table-level record names); nil when
    /// the bytes do not decode as a store record (the damage reached the part that says what it is).
    public static func describeJournalRecord(_ payload: [UInt8]) -> [String]? {
        guard let record: StoreRecord = try? payload.withUnsafeBytes({ raw in try RecordCodec.decode(raw) }) else { return nil }
        switch record {
        case .createTable(let schema): return ["create table \(schema.name)"]
        case .deleteTable(let name): return ["delete table \(name)"]
        case let .setTimeToLive(table, attribute): return ["time to live of \(table) on \(attribute ?? "nothing")"]
        case .write(let batch):
            return batch.mutations.map { "\($0.newItem == nil ? "delete" : "put") \($0.table) \($0.key)" }
        case let .registerConsumer(name, _): return ["register change-feed consumer \(name)"]
        case .unregisterConsumer(let name): return ["unregister change-feed consumer \(name)"]
        case let .acknowledge(consumer, sequence): return ["change-feed consumer \(consumer) acknowledged \(sequence)"]
        }
    }
}
