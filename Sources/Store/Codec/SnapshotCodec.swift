import Journal

/// Binary form of a whole `StoreState`, streamed into a journal snapshot.
///
/// Layout: version, change-feed position, then tables (schema, items), idempotency tokens, consumers and
/// the changes they still need. Items carry no LSN: everything in a snapshot is durable by construction.
enum SnapshotCodec {
    static let version: UInt64 = 1

    static func write(_ state: StoreState, to output: inout SnapshotWriter) throws(JournalError) {
        var writer = ByteWriter(capacity: 1 << 16)
        func flushIfLarge(_ output: inout SnapshotWriter) throws(JournalError) {
            if writer.bytes.count >= 1 << 20 {
                try output.write(writer.bytes)
                writer.bytes.removeAll(keepingCapacity: true)
            }
        }
        writer.varint(version)
        writer.varint(state.feed.nextSequence)
        writer.varint(state.feed.droppedThrough)
        writer.varint(state.tables.count)
        for name in state.tables.keys.sorted() {
            let table = state.tables[name]!
            ItemCodec.write(table.schema, to: &writer)
            writer.varint(table.itemCount)
            var failure: JournalError?
            table.forEachItem { _, stored in
                guard failure == nil else { return }
                ItemCodec.write(stored.item, to: &writer)
                do throws(JournalError) { try flushIfLarge(&output) } catch { failure = error }
            }
            if let failure { throw failure }
        }
        let tokens = state.tokens.all
        writer.varint(tokens.count)
        for (token, entry) in tokens {
            writer.string(token)
            writer.data(entry.requestHash)
            writer.signed(entry.atMillis)
        }
        writer.varint(state.feed.consumers.count)
        for name in state.feed.consumers.keys.sorted() {
            let consumer = state.feed.consumers[name]!
            writer.string(name)
            writer.varint(consumer.acknowledged)
            writer.optionalStringSet(consumer.tables)
        }
        writer.varint(state.feed.retainedCount)
        for change in state.feed.retained {
            writer.varint(change.sequence)
            writer.string(change.table)
            ItemCodec.write(change.key, to: &writer)
            writer.byte(change.kind == .insert ? 0 : change.kind == .modify ? 1 : 2)
            writer.byte(change.origin == .user ? 0 : 1)
            writer.signed(change.timestampMillis)
            for image in [change.oldImage, change.newImage] {
                if let image {
                    writer.byte(1)
                    ItemCodec.write(image, to: &writer)
                } else {
                    writer.byte(0)
                }
            }
            try flushIfLarge(&output)
        }
        try output.write(writer.bytes)
    }

    static func decode(_ body: UnsafeRawBufferPointer, changeFeedCapacity: Int) throws(DecodingError) -> StoreState {
        var reader = ByteReader(body)
        guard try reader.varint() == version else { throw DecodingError(message: "unknown snapshot version") }
        var state = StoreState(changeFeedCapacity: changeFeedCapacity)
        state.feed.nextSequence = try reader.varint()
        state.feed.droppedThrough = try reader.varint()
        let tableCount = try reader.count()
        for _ in 0..<tableCount {
            let schema = try ItemCodec.readSchema(&reader)
            var table = TableData(schema: schema)
            let itemCount = try reader.count()
            for _ in 0..<itemCount {
                let start = reader.position
                let item = try ItemCodec.readItem(&reader)
                let key: PrimaryKey
                do { key = try schema.key(ofItem: item) } catch { throw DecodingError(message: "item without a valid key in \(schema.name)") }
                table.put(key, StoredItem(item: item, lsn: 0, expiresAt: StoredItem.expiry(of: item, schema: schema), size: reader.position - start))
            }
            state.tables[schema.name] = table
        }
        let tokenCount = try reader.count()
        for _ in 0..<tokenCount {
            let token = try reader.string()
            let hash = try reader.data()
            state.tokens.record(token, .init(requestHash: hash, atMillis: try reader.signed(), lsn: 0))
        }
        let consumerCount = try reader.count()
        for _ in 0..<consumerCount {
            let name = try reader.string()
            let acknowledged = try reader.varint()
            state.feed.consumers[name] = .init(tables: try reader.optionalStringSet(), acknowledged: acknowledged)
        }
        let changeCount = try reader.count()
        for _ in 0..<changeCount {
            let sequence = try reader.varint()
            let table = try reader.string()
            let key = try ItemCodec.readPrimaryKey(&reader)
            let kindByte = try reader.byte()
            let origin: ChangeRecord.Origin = try reader.byte() == 0 ? .user : .timeToLive
            let timestamp = try reader.signed()
            let old: Item? = try reader.byte() == 1 ? try ItemCodec.readItem(&reader) : nil
            let new: Item? = try reader.byte() == 1 ? try ItemCodec.readItem(&reader) : nil
            let kind: ChangeRecord.Kind = kindByte == 0 ? .insert : kindByte == 1 ? .modify : .remove
            state.feed.restore(ChangeRecord(sequence: sequence, table: table, key: key, kind: kind, oldImage: old,
                                            newImage: new, origin: origin, timestampMillis: timestamp, lsn: 0))
        }
        guard reader.isAtEnd else { throw DecodingError(message: "trailing bytes in snapshot") }
        state.expiry.rebuild(from: state.tables)
        return state
    }
}
