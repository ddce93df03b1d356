import Journal

/// One change to an item inside a write record: the new item, or nil for a delete.
struct Mutation: Sendable {
    var table: String
    var key: PrimaryKey
    var newItem: Item?
    /// Encoded size of `newItem` (0 for deletes).
    var size: Int
    /// `newItem` already encoded (by validation), so the record does not encode it twice.
    var encoded: [UInt8]? = nil
}

/// A group of mutations that commit together — one put, or a whole transaction — as one journal record,
/// so recovery applies all of it or none of it.
struct WriteBatch: Sendable {
    var timestampMillis: Int64
    var origin: ChangeRecord.Origin
    var mutations: [Mutation]
    /// The transaction's client token, remembered for idempotency.
    var token: (token: String, requestHash: [UInt8])?
    /// A change-feed acknowledgement committed with the writes, so a consumer's effects and its position
    /// move together (exactly-once processing).
    var acknowledge: (consumer: String, sequence: UInt64)? = nil
}

/// What the store writes to its journal. Applying these in order rebuilds the store exactly.
enum StoreRecord: Sendable {
    case createTable(TableSchema)
    case deleteTable(String)
    case setTimeToLive(table: String, attribute: String?)
    case write(WriteBatch)
    case registerConsumer(name: String, tables: Set<String>?)
    case unregisterConsumer(String)
    case acknowledge(consumer: String, sequence: UInt64)
}

/// Binary form of `StoreRecord`.
enum RecordCodec {
    private enum Tag: UInt8 {
        case createTable = 1, deleteTable, setTimeToLive, write, registerConsumer, unregisterConsumer, acknowledge
    }

    static func encode(_ record: StoreRecord) -> [UInt8] {
        var writer = ByteWriter()
        switch record {
        case .createTable(let schema):
            writer.byte(Tag.createTable.rawValue)
            ItemCodec.write(schema, to: &writer)
        case .deleteTable(let name):
            writer.byte(Tag.deleteTable.rawValue)
            writer.string(name)
        case let .setTimeToLive(table, attribute):
            writer.byte(Tag.setTimeToLive.rawValue)
            writer.string(table)
            writer.optionalString(attribute)
        case .write(let batch):
            writer.byte(Tag.write.rawValue)
            writer.signed(batch.timestampMillis)
            writer.byte(batch.origin == .user ? 0 : 1)
            if let token = batch.token {
                writer.byte(1)
                writer.string(token.token)
                writer.data(token.requestHash)
            } else {
                writer.byte(0)
            }
            if let acknowledge = batch.acknowledge {
                writer.byte(1)
                writer.string(acknowledge.consumer)
                writer.varint(acknowledge.sequence)
            } else {
                writer.byte(0)
            }
            writer.varint(batch.mutations.count)
            for mutation in batch.mutations {
                writer.string(mutation.table)
                ItemCodec.write(mutation.key, to: &writer)
                if let encoded = mutation.encoded {
                    writer.byte(1)
                    writer.bytes.append(contentsOf: encoded)
                } else if let item = mutation.newItem {
                    writer.byte(1)
                    ItemCodec.write(item, to: &writer)
                } else {
                    writer.byte(0)
                }
            }
        case let .registerConsumer(name, tables):
            writer.byte(Tag.registerConsumer.rawValue)
            writer.string(name)
            writer.optionalStringSet(tables)
        case .unregisterConsumer(let name):
            writer.byte(Tag.unregisterConsumer.rawValue)
            writer.string(name)
        case let .acknowledge(consumer, sequence):
            writer.byte(Tag.acknowledge.rawValue)
            writer.string(consumer)
            writer.varint(sequence)
        }
        return writer.bytes
    }

    static func decode(_ bytes: UnsafeRawBufferPointer) throws(DecodingError) -> StoreRecord {
        var reader = ByteReader(bytes)
        guard let tag = Tag(rawValue: try reader.byte()) else { throw DecodingError(message: "unknown record tag") }
        let record: StoreRecord
        switch tag {
        case .createTable:
            record = .createTable(try ItemCodec.readSchema(&reader))
        case .deleteTable:
            record = .deleteTable(try reader.string())
        case .setTimeToLive:
            let table = try reader.string()
            record = .setTimeToLive(table: table, attribute: try reader.optionalString())
        case .write:
            let timestamp = try reader.signed()
            let origin: ChangeRecord.Origin = try reader.byte() == 0 ? .user : .timeToLive
            var token: (String, [UInt8])? = nil
            if try reader.byte() == 1 { token = (try reader.string(), try reader.data()) }
            var acknowledge: (String, UInt64)? = nil
            if try reader.byte() == 1 { acknowledge = (try reader.string(), try reader.varint()) }
            let count = try reader.count()
            var mutations: [Mutation] = []
            mutations.reserveCapacity(count)
            for _ in 0..<count {
                let table = try reader.string()
                let key = try ItemCodec.readPrimaryKey(&reader)
                if try reader.byte() == 1 {
                    let start = reader.position
                    let item = try ItemCodec.readItem(&reader)
                    mutations.append(Mutation(table: table, key: key, newItem: item, size: reader.position - start))
                } else {
                    mutations.append(Mutation(table: table, key: key, newItem: nil, size: 0))
                }
            }
            record = .write(WriteBatch(timestampMillis: timestamp, origin: origin, mutations: mutations, token: token,
                                       acknowledge: acknowledge))
        case .registerConsumer:
            let name = try reader.string()
            record = .registerConsumer(name: name, tables: try reader.optionalStringSet())
        case .unregisterConsumer:
            record = .unregisterConsumer(try reader.string())
        case .acknowledge:
            let consumer = try reader.string()
            record = .acknowledge(consumer: consumer, sequence: try reader.varint())
        }
        guard reader.isAtEnd else { throw DecodingError(message: "trailing bytes after record") }
        return record
    }
}
