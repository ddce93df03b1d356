import Journal
import Foundation

/// A condition on the sort key in a query, as DynamoDB's key condition expressions allow.
public enum SortKeyCondition: Sendable, Equatable {
    case equal(AttributeValue)
    case lessThan(AttributeValue)
    case lessThanOrEqual(AttributeValue)
    case greaterThan(AttributeValue)
    case greaterThanOrEqual(AttributeValue)
    case between(AttributeValue, AttributeValue)
    /// Strings or binaries starting with the given prefix.
    case beginsWith(AttributeValue)
}

/// Where a page of results stopped; pass it back to get the next page. `token` is an opaque string form for APIs.
public struct PageCursor: Sendable, Hashable {
    public let key: PrimaryKey

    /// The cursor after `key` (a backend's last evaluated key).
    public init(key: PrimaryKey) { self.key = key }

    /// The cursor as an opaque URL-safe string.
    public var token: String {
        var writer = ByteWriter()
        ItemCodec.write(key, to: &writer)
        return Data(writer.bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// A cursor from its string form; throws `.validation` when the string was not produced by `token`.
    public init(token: String) throws(StoreError) {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard token.count <= 2048, let data = Data(base64Encoded: base64) else { throw .validation("the page cursor is malformed") }
        let bytes = [UInt8](data)
        let decoded: PrimaryKey? = bytes.withUnsafeBytes { raw in
            var reader = ByteReader(raw)
            guard let key = try? ItemCodec.readPrimaryKey(&reader), reader.isAtEnd else { return nil }
            return key
        }
        guard let decoded else { throw .validation("the page cursor is malformed") }
        key = decoded
    }
}

/// A query: the items of one partition, optionally narrowed by sort key and filtered.
public struct QueryRequest: Sendable {
    public var partitionKey: AttributeValue
    public var sortKey: SortKeyCondition?
    /// Applied after items are read: items it rejects still count towards `limit`, as in DynamoDB.
    public var filter: Condition?
    /// Most items to examine; nil for as many as fit in one page (1 MB of items).
    public var limit: Int?
    public var startAfter: PageCursor?
    /// Sort-key order (false for descending).
    public var ascending: Bool

    public init(partitionKey: AttributeValue, sortKey: SortKeyCondition? = nil, filter: Condition? = nil,
                limit: Int? = nil, startAfter: PageCursor? = nil, ascending: Bool = true) {
        self.partitionKey = partitionKey
        self.sortKey = sortKey
        self.filter = filter
        self.limit = limit
        self.startAfter = startAfter
        self.ascending = ascending
    }
}

/// A scan: every item of a table in key order, page by page.
public struct ScanRequest: Sendable {
    public var filter: Condition?
    public var limit: Int?
    public var startAfter: PageCursor?

    public init(filter: Condition? = nil, limit: Int? = nil, startAfter: PageCursor? = nil) {
        self.filter = filter
        self.limit = limit
        self.startAfter = startAfter
    }
}

/// One page of query or scan results.
public struct Page: Sendable {
    public var items: [Item]
    /// Where to continue; nil when there is nothing more.
    public var nextCursor: PageCursor?
    /// Items examined (before the filter).
    public var examinedCount: Int

    /// A page as another `DocumentStore` backend builds it.
    public init(items: [Item], nextCursor: PageCursor?, examinedCount: Int) {
        self.items = items
        self.nextCursor = nextCursor
        self.examinedCount = examinedCount
    }
}

/// Collects a page: applies expiry and the filter, stops at the limit or at 1 MB.
struct PageBuilder {
    static let maximumPageBytes = 1 << 20
    static let maximumLimit = 10_000

    let filter: Condition?
    let limit: Int
    let nowSeconds: Int64
    var items: [Item] = []
    var examined = 0
    var bytes = 0
    var observedLSN: UInt64 = 0
    var lastKey: PrimaryKey?

    init(filter: Condition?, limit: Int?, nowSeconds: Int64) throws(StoreError) {
        if let limit, limit < 1 || limit > Self.maximumLimit {
            throw .validation("limit must be between 1 and \(Self.maximumLimit), got \(limit)")
        }
        self.filter = filter
        self.limit = limit ?? Self.maximumLimit
        self.nowSeconds = nowSeconds
    }

    var isFull: Bool { examined >= limit || bytes >= Self.maximumPageBytes }

    mutating func offer(_ key: PrimaryKey, _ stored: StoredItem) {
        guard stored.isVisible(atEpochSecond: nowSeconds) else { return }
        examined += 1
        bytes += stored.size
        lastKey = key
        observedLSN = max(observedLSN, stored.lsn)
        if filter?.evaluate(on: stored.item) ?? true { items.append(stored.item) }
    }

    func page(hasMore: Bool) -> Page {
        Page(items: items, nextCursor: hasMore ? lastKey.map(PageCursor.init(key:)) : nil, examinedCount: examined)
    }
}

extension Store {
    /// Items of one partition in sort-key order, narrowed by `request`.
    public func query(_ table: String, _ request: QueryRequest) async throws(StoreError) -> Page {
        try await perform(.query) { (s, now) throws(StoreError) -> Decision<Page> in
            let data = try Self.table(table, in: s)
            let schema = data.schema
            guard let partition = KeyValue(request.partitionKey, type: schema.partitionKey.type) else {
                throw .validation("partition key \"\(schema.partitionKey.name)\" must be of type \(schema.partitionKey.type.rawValue), got \(request.partitionKey.typeName)")
            }
            if let cursor = request.startAfter?.key, cursor.partition != partition {
                throw .validation("the page cursor belongs to another partition")
            }
            var builder = try PageBuilder(filter: request.filter, limit: request.limit, nowSeconds: Self.epochSeconds(now))
            guard let sortKey = schema.sortKey else {
                if request.sortKey != nil { throw .validation("table \"\(table)\" has no sort key to query on") }
                let key = PrimaryKey(partition: partition)
                if request.startAfter == nil, let stored = data.get(key) { builder.offer(key, stored) }
                builder.observedLSN = max(builder.observedLSN, data.lastRemovalLSN)
                return .answer(builder.page(hasMore: false), observedLSN: builder.observedLSN)
            }
            guard let items = data.partition(partition) else {
                return .answer(builder.page(hasMore: false), observedLSN: data.lastRemovalLSN)
            }
            var range = try Self.range(of: request.sortKey, in: items, sortKey: sortKey)
            if let after = request.startAfter?.key.sort {
                if request.ascending {
                    range = min(max(range.lowerBound, items.upperBound(after)), range.upperBound)..<range.upperBound
                } else {
                    range = range.lowerBound..<max(range.lowerBound, min(range.upperBound, items.lowerBound(after)))
                }
            }
            var position = 0
            while position < range.count, !builder.isFull {
                let index = request.ascending ? range.lowerBound + position : range.upperBound - 1 - position
                builder.offer(PrimaryKey(partition: partition, sort: items.keys[index]), items.items[index])
                position += 1
            }
            builder.observedLSN = max(builder.observedLSN, data.lastRemovalLSN)
            return .answer(builder.page(hasMore: position < range.count), observedLSN: builder.observedLSN)
        }
    }

    /// Every item of the table in key order, a page at a time.
    public func scan(_ table: String, _ request: ScanRequest = ScanRequest()) async throws(StoreError) -> Page {
        try await perform(.scan) { (s, now) throws(StoreError) -> Decision<Page> in
            guard s.tables[table] != nil else { throw .tableNotFound(table) }
            var builder = try PageBuilder(filter: request.filter, limit: request.limit, nowSeconds: Self.epochSeconds(now))
            let order = s.tables[table]!.orderedPartitionKeys()
            let data = s.tables[table]!
            let cursor = request.startAfter?.key
            var index = 0
            if let cursor {
                // First partition not before the cursor's.
                var low = 0, high = order.count
                while low < high {
                    let mid = (low + high) / 2
                    if order[mid] < cursor.partition { low = mid + 1 } else { high = mid }
                }
                index = low
            }
            var hasMore = false
            outer: while index < order.count {
                let partitionKey = order[index]
                if data.schema.sortKey == nil {
                    if cursor.map({ partitionKey <= $0.partition }) ?? false { index += 1; continue }
                    if builder.isFull { hasMore = true; break }
                    if let stored = data.get(PrimaryKey(partition: partitionKey)) { builder.offer(PrimaryKey(partition: partitionKey), stored) }
                } else if let partition = data.partition(partitionKey) {
                    var start = 0
                    if let cursor, partitionKey == cursor.partition, let after = cursor.sort { start = partition.upperBound(after) }
                    for position in start..<partition.count {
                        if builder.isFull { hasMore = true; break outer }
                        builder.offer(PrimaryKey(partition: partitionKey, sort: partition.keys[position]), partition.items[position])
                    }
                }
                index += 1
            }
            builder.observedLSN = max(builder.observedLSN, data.lastRemovalLSN)
            return .answer(builder.page(hasMore: hasMore), observedLSN: builder.observedLSN)
        }
    }

    /// Index range of a partition matching a sort-key condition.
    static func range(of condition: SortKeyCondition?, in partition: SortedPartition, sortKey: KeyAttribute) throws(StoreError) -> Range<Int> {
        func key(_ value: AttributeValue) throws(StoreError) -> KeyValue {
            guard let key = KeyValue(value, type: sortKey.type) else {
                throw .validation("sort key \"\(sortKey.name)\" must be compared with a value of type \(sortKey.type.rawValue), got \(value.typeName)")
            }
            return key
        }
        let all = 0..<partition.count
        guard let condition else { return all }
        switch condition {
        case .equal(let v):
            let k = try key(v)
            return partition.lowerBound(k)..<partition.upperBound(k)
        case .lessThan(let v): return 0..<partition.lowerBound(try key(v))
        case .lessThanOrEqual(let v): return 0..<partition.upperBound(try key(v))
        case .greaterThan(let v): return partition.upperBound(try key(v))..<partition.count
        case .greaterThanOrEqual(let v): return partition.lowerBound(try key(v))..<partition.count
        case let .between(a, b):
            let low = try key(a), high = try key(b)
            guard !(high < low) else { throw .validation("BETWEEN bounds are reversed: \(low) is greater than \(high)") }
            return partition.lowerBound(low)..<partition.upperBound(high)
        case .beginsWith(let v):
            let prefix = try key(v)
            let start = partition.lowerBound(prefix)
            var end = start
            switch prefix {
            case .string(let p):
                while end < partition.count, case .string(let s) = partition.keys[end], s.utf8.starts(with: p.utf8) { end += 1 }
            case .binary(let p):
                while end < partition.count, case .binary(let b) = partition.keys[end], b.starts(with: p) { end += 1 }
            case .number:
                throw .validation("begins_with applies to string and binary sort keys, not numbers")
            }
            return start..<end
        }
    }
}
