import Foundation

/// The type a key attribute must have.
public enum KeyType: String, Sendable, CaseIterable {
    case string = "S", number = "N", binary = "B"
}

/// A key attribute: its name and type.
public struct KeyAttribute: Sendable, Hashable {
    public var name: String
    public var type: KeyType

    public init(_ name: String, _ type: KeyType) {
        self.name = name
        self.type = type
    }
}

/// A table's name and key schema, and the attribute that holds each item's expiry time, if any.
public struct TableSchema: Sendable, Hashable {
    public var name: String
    public var partitionKey: KeyAttribute
    public var sortKey: KeyAttribute?
    /// Items whose number attribute of this name (epoch seconds) is in the past are expired:
    /// invisible to reads and conditions, and removed in the background.
    public var timeToLiveAttribute: String?

    public init(name: String, partitionKey: KeyAttribute, sortKey: KeyAttribute? = nil, timeToLiveAttribute: String? = nil) {
        self.name = name
        self.partitionKey = partitionKey
        self.sortKey = sortKey
        self.timeToLiveAttribute = timeToLiveAttribute
    }

    /// Names of the key attributes.
    public var keyNames: [String] { [partitionKey.name] + (sortKey.map { [$0.name] } ?? []) }

    /// Whether `name` is a key attribute (without building `keyNames`: this is on every write's path).
    func isKeyAttribute(_ name: String) -> Bool {
        name == partitionKey.name || name == sortKey?.name
    }

    /// Checks the names against DynamoDB's rules (3–255 characters of `a-z A-Z 0-9 _ - .`).
    func validate() throws(StoreError) {
        let allowed = name.utf8.allSatisfy { c in
            (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
                || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "_") || c == UInt8(ascii: "-") || c == UInt8(ascii: ".")
        }
        guard (3...255).contains(name.utf8.count), allowed else {
            throw .validation("table name \"\(name)\" must be 3 to 255 characters of letters, digits, '_', '-' and '.'")
        }
        for key in [partitionKey] + (sortKey.map { [$0] } ?? []) where key.name.isEmpty || key.name.utf8.count > 255 {
            throw .validation("key attribute names must be 1 to 255 bytes long")
        }
        if let sortKey, sortKey.name == partitionKey.name {
            throw .validation("the sort key must be a different attribute from the partition key \"\(partitionKey.name)\"")
        }
        if let ttl = timeToLiveAttribute, keyNames.contains(ttl) || ttl.isEmpty {
            throw .validation("the time-to-live attribute must be a non-key attribute")
        }
    }
}

/// A key attribute's value: what items are indexed and ordered by.
/// Strings and binaries order by their bytes (UTF-8 for strings), numbers numerically, as DynamoDB does.
public enum KeyValue: Sendable, Hashable, Comparable, CustomStringConvertible {
    case string(String)
    case number(Number)
    case binary([UInt8])

    public var attributeValue: AttributeValue {
        switch self {
        case .string(let s): .string(s)
        case .number(let n): .number(n)
        case .binary(let b): .binary(b)
        }
    }

    public init?(_ value: AttributeValue, type: KeyType) {
        switch (value, type) {
        case (.string(let s), .string): self = .string(s)
        case (.number(let n), .number): self = .number(n)
        case (.binary(let b), .binary): self = .binary(b)
        default: return nil
        }
    }

    public static func < (lhs: KeyValue, rhs: KeyValue) -> Bool {
        switch (lhs, rhs) {
        case let (.string(a), .string(b)): Self.utf8Precedes(a, b)
        case let (.number(a), .number(b)): a < b
        case let (.binary(a), .binary(b)): a.lexicographicallyPrecedes(b)
        default: lhs.rank < rhs.rank
        }
    }

    /// `a.utf8.lexicographicallyPrecedes(b.utf8)`, by `memcmp` on the contiguous bytes: the generic form walked
    /// the views a code unit at a time and was 1.5 % of the order path's CPU (binary searches of a user's orders).
    /// Read in place where the bytes are contiguous (native strings always are): `withUTF8` needs a mutable
    /// copy of each string, and those copies' retains and releases were 1.5 % of the order path's CPU.
    static func utf8Precedes(_ a: String, _ b: String) -> Bool {
        let compared = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y in
                let common = min(x.count, y.count)
                let order = common == 0 ? 0 : memcmp(x.baseAddress!, y.baseAddress!, common)
                return order != 0 ? order < 0 : x.count < y.count
            }
        }
        return (compared ?? nil) ?? a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    private var rank: Int {
        switch self {
        case .string: 0
        case .number: 1
        case .binary: 2
        }
    }

    public var description: String { attributeValue.description }
}

/// An item's primary key: its partition key value and, for tables with a sort key, its sort key value.
public struct PrimaryKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var partition: KeyValue
    public var sort: KeyValue?

    public init(partition: KeyValue, sort: KeyValue? = nil) {
        self.partition = partition
        self.sort = sort
    }

    public static func < (lhs: PrimaryKey, rhs: PrimaryKey) -> Bool {
        if lhs.partition != rhs.partition { return lhs.partition < rhs.partition }
        switch (lhs.sort, rhs.sort) {
        case let (a?, b?): return a < b
        case (nil, _?): return true
        default: return false
        }
    }

    public var description: String {
        sort.map { "(\(partition), \($0))" } ?? partition.description
    }

    /// The key as the attributes of an item under `schema`.
    public func attributes(in schema: TableSchema) -> Item {
        var item: Item = [schema.partitionKey.name: partition.attributeValue]
        if let sortKey = schema.sortKey, let sort { item[sortKey.name] = sort.attributeValue }
        return item
    }
}

extension TableSchema {
    /// Extracts and type-checks the key of a full item (for put): every key attribute must be present with its declared type.
    func key(ofItem item: Item) throws(StoreError) -> PrimaryKey {
        try key(from: item, allowingOtherAttributes: true)
    }

    /// Type-checks a key given on its own (for get, update, delete): exactly the key attributes, nothing else.
    func key(fromKeyAttributes attributes: Item) throws(StoreError) -> PrimaryKey {
        try key(from: attributes, allowingOtherAttributes: false)
    }

    private func key(from attributes: Item, allowingOtherAttributes: Bool) throws(StoreError) -> PrimaryKey {
        func value(_ attribute: KeyAttribute) throws(StoreError) -> KeyValue {
            guard let raw = attributes[attribute.name] else {
                throw .validation("missing key attribute \"\(attribute.name)\" for table \"\(name)\"")
            }
            guard let value = KeyValue(raw, type: attribute.type) else {
                throw .validation("key attribute \"\(attribute.name)\" of table \"\(name)\" must be of type \(attribute.type.rawValue), got \(raw.typeName)")
            }
            if case .string(let s) = value, s.isEmpty {
                throw .validation("key attribute \"\(attribute.name)\" must not be an empty string")
            }
            if case .binary(let b) = value, b.isEmpty {
                throw .validation("key attribute \"\(attribute.name)\" must not be empty binary")
            }
            return value
        }
        let partition = try value(partitionKey)
        var sort: KeyValue? = nil
        if let sortKey { sort = try value(sortKey) }
        if !allowingOtherAttributes, attributes.count != (sortKey == nil ? 1 : 2) {
            let extra = attributes.keys.filter { !isKeyAttribute($0) }.sorted()
            if !extra.isEmpty {
                throw .validation("a key for table \"\(name)\" holds only \(keyNames.joined(separator: ", ")); unexpected \(extra.joined(separator: ", "))")
            }
        }
        return PrimaryKey(partition: partition, sort: sort)
    }
}
