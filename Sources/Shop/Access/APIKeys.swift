import Foundation
import Hashing
import Store
import Synchronization

/// An API key's record (the key itself is never stored: only its SHA-256).
public struct APIKey: Sendable, Codable, Equatable {
    public var id: String
    public var name: String
    public var plan: UsagePlan
    public var createdAt: Date
    var keyHash: String
}

/// API keys and their usage plans: durable in the store, looked up in memory on every request.
public final class APIKeyRegistry: Sendable {
    static let table = "api-keys"
    private let store: any DocumentStore
    private let known = Mutex(KnownKeys())

    private struct KnownKeys {
        var byHash: [String: APIKey] = [:]
        /// The hash of every key text that has matched a key, so that a client presenting its key again costs
        /// a dictionary lookup instead of a SHA-256 (4.4 % of the gateway route's CPU under wrk before this
        /// cache). Only texts that matched are kept, so it holds at most one entry per key ever made, whatever
        /// clients send. Swift's per-process hash seed keeps the bucket a text lands in from telling anything
        /// about the keys.
        var hashByPresentedKey: [String: String] = [:]
    }

    init(store: any DocumentStore) {
        self.store = store
    }

    /// Loads the keys from the store (at start).
    func load() async throws(StoreError) {
        try await store.ensureTable(TableSchema(name: Self.table, partitionKey: KeyAttribute("id", .string)))
        try await reload()
    }

    /// Takes up keys the store holds that are not known here (made by another instance of the shop). Keys
    /// are never deleted, so what is known here stays.
    func reload() async throws(StoreError) {
        var loaded: [String: APIKey] = [:]
        var cursor: PageCursor?
        repeat {
            let page = try await store.scan(Self.table, ScanRequest(startAfter: cursor))
            for item in page.items {
                if let key = StoredDocument.decode(APIKey.self, from: item) { loaded[key.keyHash] = key }
            }
            cursor = page.nextCursor
        } while cursor != nil
        known.withLock { $0.byHash.merge(loaded) { _, stored in stored } }
    }

    /// The key a client presented, if it is one of ours.
    public func lookup(_ presented: String) -> APIKey? {
        guard presented.utf8.count <= 128 else { return nil }
        let remembered = known.withLock { known in known.hashByPresentedKey[presented].flatMap { known.byHash[$0] } }
        if let remembered { return remembered }
        let hash = Hex.encode(SHA256.hash(Array(presented.utf8)))
        return known.withLock { known in
            guard let key = known.byHash[hash] else { return nil }
            known.hashByPresentedKey[presented] = hash
            return key
        }
    }

    /// Creates a key; returns the record and the key text, which is shown this once.
    public func create(name: String, plan: UsagePlan, now: Date) async throws(StoreError) -> (APIKey, secret: String) {
        let secret = "sdk_" + ((try? SecureRandom.hexToken(byteCount: 20)) ?? UUID().uuidString.replacingOccurrences(of: "-", with: ""))
        let hash = Hex.encode(SHA256.hash(Array(secret.utf8)))
        let key = APIKey(id: "key-" + String(hash.prefix(12)), name: name, plan: plan, createdAt: now, keyHash: hash)
        _ = try await store.put(Self.table, StoredDocument.item(key, keys: ["id": .string(key.id)]), condition: .notExists("id"))
        known.withLock { $0.byHash[hash] = key }
        return (key, secret)
    }

    public var all: [APIKey] {
        known.withLock { Array($0.byHash.values) }.sorted { $0.createdAt < $1.createdAt }
    }
}
