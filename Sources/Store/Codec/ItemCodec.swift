import Journal

/// Binary encoding of attribute values, items and keys. Map entries are written in whatever order the
/// dictionary holds them: sizes do not depend on order, and nothing compares encoded bytes.
enum ItemCodec {
    private enum Tag: UInt8 {
        case string = 0, integer, decimal, boolTrue, boolFalse, null, list, map, binary
    }

    static func write(_ value: AttributeValue, to writer: inout ByteWriter) {
        switch value {
        case .string(let s):
            writer.byte(Tag.string.rawValue)
            writer.string(s)
        case .number(let n):
            switch n.storage {
            case .integer(let i):
                writer.byte(Tag.integer.rawValue)
                writer.signed(i)
            case .decimal:
                writer.byte(Tag.decimal.rawValue)
                writer.string(n.description)
            }
        case .bool(let b):
            writer.byte(b ? Tag.boolTrue.rawValue : Tag.boolFalse.rawValue)
        case .null:
            writer.byte(Tag.null.rawValue)
        case .list(let list):
            writer.byte(Tag.list.rawValue)
            writer.varint(list.count)
            for element in list { write(element, to: &writer) }
        case .map(let map):
            writer.byte(Tag.map.rawValue)
            writeEntries(map, to: &writer)
        case .binary(let bytes):
            writer.byte(Tag.binary.rawValue)
            writer.data(bytes)
        }
    }

    static func write(_ item: Item, to writer: inout ByteWriter) {
        writeEntries(item, to: &writer)
    }

    private static func writeEntries(_ map: [String: AttributeValue], to writer: inout ByteWriter) {
        writer.varint(map.count)
        for (key, value) in map {
            writer.string(key)
            write(value, to: &writer)
        }
    }

    static func readValue(_ reader: inout ByteReader, depth: Int = 0) throws(DecodingError) -> AttributeValue {
        guard depth < 64 else { throw DecodingError(message: "value nested too deeply") }
        guard let tag = Tag(rawValue: try reader.byte()) else { throw DecodingError(message: "unknown value tag at \(reader.position - 1)") }
        switch tag {
        case .string: return .string(try reader.string())
        case .integer: return .number(Number(try reader.signed()))
        case .decimal:
            let text = try reader.string()
            guard let number = Number(parsing: text) else { throw DecodingError(message: "bad number \(text)") }
            return .number(number)
        case .boolTrue: return .bool(true)
        case .boolFalse: return .bool(false)
        case .null: return .null
        case .list:
            let count = try reader.count()
            var list: [AttributeValue] = []
            list.reserveCapacity(count)
            for _ in 0..<count { list.append(try readValue(&reader, depth: depth + 1)) }
            return .list(list)
        case .map:
            return .map(try readEntries(&reader, depth: depth + 1))
        case .binary:
            return .binary(try reader.data())
        }
    }

    static func readItem(_ reader: inout ByteReader) throws(DecodingError) -> Item {
        try readEntries(&reader, depth: 0)
    }

    private static func readEntries(_ reader: inout ByteReader, depth: Int) throws(DecodingError) -> [String: AttributeValue] {
        let count = try reader.count()
        var map: [String: AttributeValue] = [:]
        map.reserveCapacity(count)
        for _ in 0..<count {
            let key = try reader.string()
            map[key] = try readValue(&reader, depth: depth)
        }
        return map
    }

    static func write(_ key: KeyValue, to writer: inout ByteWriter) {
        write(key.attributeValue, to: &writer)
    }

    static func readKeyValue(_ reader: inout ByteReader) throws(DecodingError) -> KeyValue {
        switch try readValue(&reader) {
        case .string(let s): return .string(s)
        case .number(let n): return .number(n)
        case .binary(let b): return .binary(b)
        default: throw DecodingError(message: "key value of a non-key type")
        }
    }

    static func write(_ key: PrimaryKey, to writer: inout ByteWriter) {
        write(key.partition, to: &writer)
        if let sort = key.sort {
            writer.byte(1)
            write(sort, to: &writer)
        } else {
            writer.byte(0)
        }
    }

    static func readPrimaryKey(_ reader: inout ByteReader) throws(DecodingError) -> PrimaryKey {
        let partition = try readKeyValue(&reader)
        let hasSort = try reader.byte()
        return PrimaryKey(partition: partition, sort: hasSort == 1 ? try readKeyValue(&reader) : nil)
    }

    static func write(_ schema: TableSchema, to writer: inout ByteWriter) {
        writer.string(schema.name)
        writer.string(schema.partitionKey.name)
        writer.string(schema.partitionKey.type.rawValue)
        writer.byte(schema.sortKey == nil ? 0 : 1)
        if let sortKey = schema.sortKey {
            writer.string(sortKey.name)
            writer.string(sortKey.type.rawValue)
        }
        writer.optionalString(schema.timeToLiveAttribute)
    }

    static func readSchema(_ reader: inout ByteReader) throws(DecodingError) -> TableSchema {
        func keyType(_ text: String) throws(DecodingError) -> KeyType {
            guard let type = KeyType(rawValue: text) else { throw DecodingError(message: "bad key type \(text)") }
            return type
        }
        let name = try reader.string()
        let partition = KeyAttribute(try reader.string(), try keyType(try reader.string()))
        var sort: KeyAttribute? = nil
        if try reader.byte() == 1 { sort = KeyAttribute(try reader.string(), try keyType(try reader.string())) }
        return TableSchema(name: name, partitionKey: partition, sortKey: sort, timeToLiveAttribute: try reader.optionalString())
    }
}
