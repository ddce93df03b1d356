/// Client tokens of recent transactions, so a retried transaction applies once (DynamoDB keeps them 10 minutes).
struct IdempotencyTokens: Sendable {
    static let lifetimeMillis: Int64 = 10 * 60 * 1000

    struct Entry: Sendable, Equatable {
        /// SHA-256 of the request's canonical form: the same token with another request is an error.
        var requestHash: [UInt8]
        var atMillis: Int64
        var lsn: UInt64
    }

    private(set) var entries: [String: Entry] = [:]
    /// Tokens in the order they were recorded, for expiry without scanning.
    private var order: [(token: String, atMillis: Int64)] = []
    private var head = 0

    var count: Int { entries.count }

    func lookUp(_ token: String, nowMillis: Int64) -> Entry? {
        guard let entry = entries[token], nowMillis - entry.atMillis < Self.lifetimeMillis else { return nil }
        return entry
    }

    mutating func record(_ token: String, _ entry: Entry) {
        entries[token] = entry
        order.append((token, entry.atMillis))
    }

    /// Forgets tokens older than the lifetime.
    mutating func prune(nowMillis: Int64) {
        while head < order.count, nowMillis - order[head].atMillis >= Self.lifetimeMillis {
            let (token, at) = order[head]
            if entries[token]?.atMillis == at { entries[token] = nil }
            head += 1
        }
        if head > 1024, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }

    /// Every live token, oldest first, for snapshots.
    var all: [(token: String, entry: Entry)] {
        order[head...].compactMap { pair in
            guard let entry = entries[pair.token], entry.atMillis == pair.atMillis else { return nil }
            return (pair.token, entry)
        }
    }
}
