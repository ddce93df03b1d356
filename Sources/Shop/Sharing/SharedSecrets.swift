import Foundation
import Store

/// The secrets every instance of one shop must hold alike — the key that signs shoppers' tokens and the
/// admin API's tokens — agreed through the shared store: the first instance to start puts its own in, the
/// others take those. Each instance keeps the agreed values in its data directory's files as before, so
/// `cat DIR/admin-token` gives a token every instance accepts. (On AWS they sit in a DynamoDB table,
/// encrypted at rest; IAM on that table decides who can read them.)
struct SharedSecrets: Sendable {
    static let table = "shop-secrets"
    /// The data directory's secret files, by the name they are kept under in the store.
    static let files = ["token-key", AccessTokens.Role.admin.fileName, AccessTokens.Role.viewer.fileName]

    let store: any DocumentStore

    func prepare() async throws(StoreError) {
        try await store.ensureTable(TableSchema(name: Self.table, partitionKey: KeyAttribute("name", .string)))
    }

    /// The store's value for `name`; `proposed` becomes it when the store has none yet (the first start wins).
    func agree(_ name: String, proposing proposed: String) async throws(StoreError) -> String {
        do throws(StoreError) {
            try await store.put(Self.table, ["name": .string(name), "value": .string(proposed)], condition: .notExists("name"))
            return proposed
        } catch {
            guard case .conditionalCheckFailed = error, let agreed = try await value(name) else { throw error }
            return agreed
        }
    }

    func value(_ name: String) async throws(StoreError) -> String? {
        try await store.get(Self.table, key: ["name": .string(name)])?["value"]?.stringValue
    }

    func set(_ name: String, _ value: String) async throws(StoreError) {
        try await store.put(Self.table, ["name": .string(name), "value": .string(value)])
    }

    /// Before the core opens on a shared store: each secret file (made if missing) is replaced by the value
    /// the instances agree on.
    static func adopt(directory: String, store: any DocumentStore) async throws(CoreError) {
        let secrets = SharedSecrets(store: store)
        do throws(StoreError) {
            try await secrets.prepare()
        } catch {
            throw CoreError("cannot make the shared store's \(table) table: \(error)")
        }
        for name in files {
            let path = directory + "/" + name
            let local = try SecretFiles.loadOrCreate(path, byteCount: name == "token-key" ? 32 : 24)
            let agreed: String
            do throws(StoreError) {
                agreed = try await secrets.agree(name, proposing: local)
            } catch {
                throw CoreError("cannot agree on the shop's secrets through the shared store: \(error)")
            }
            if agreed != local { try SecretFiles.replace(path, with: agreed) }
        }
    }
}
