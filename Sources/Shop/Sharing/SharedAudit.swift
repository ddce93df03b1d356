import Foundation
import Store
import Telemetry

/// The audit trail as the whole shop sees it when several instances share a store: each instance keeps its
/// own hash-chained trail (authoritative, checked at start) and copies every entry into `audit-trail`, sorted
/// by time, naming the instance; `/admin/audit` on any instance lists them all. A copy that fails is logged
/// and the instance's own trail still holds the entry. One partition takes every entry: operator actions
/// and lockouts come by the minute, not by the thousand a second.
struct SharedAudit: AuditMirror {
    static let table = "audit-trail"
    static let partition: AttributeValue = "shop"
    static let schema = TableSchema(name: table, partitionKey: KeyAttribute("trail", .string), sortKey: KeyAttribute("key", .string))

    let store: any DocumentStore
    let instance: String
    let logger: Logger

    func prepare() async throws(StoreError) {
        try await store.ensureTable(Self.schema)
    }

    func copy(_ entry: AuditEntry) async {
        let millis = String(Int64((entry.at.timeIntervalSince1970 * 1000).rounded(.down)))
        let key = String(repeating: "0", count: max(0, 15 - millis.count)) + millis + "#" + instance + "#" + String(entry.seq)
        let item: Item = ["trail": Self.partition, "key": .string(key), "instance": .string(instance), "seq": .number(Int(entry.seq)),
                          "at": .number(Int(millis) ?? 0), "actor": .string(entry.actor), "action": .string(entry.action),
                          "detail": .string(entry.detail), "hash": .string(entry.hash)]
        do throws(StoreError) {
            try await store.put(Self.table, item)
        } catch {
            logger.warning("an audit entry was not copied to the shared trail (this instance's trail holds it)",
                           ["seq": String(entry.seq), "error": "\(error)"])
        }
    }

    /// The newest `limit` entries of every instance, oldest first, each with the instance that recorded it.
    func recent(limit: Int) async throws(StoreError) -> [(instance: String, entry: AuditEntry)] {
        let page = try await store.query(Self.table, QueryRequest(partitionKey: Self.partition, limit: limit, ascending: false))
        return page.items.reversed().compactMap { item in
            guard let instance = item["instance"]?.stringValue, let seq = item["seq"]?.int64Value, let at = item["at"]?.int64Value,
                  let actor = item["actor"]?.stringValue, let action = item["action"]?.stringValue, let detail = item["detail"]?.stringValue,
                  let hash = item["hash"]?.stringValue else { return nil }
            return (instance, AuditEntry(seq: UInt64(seq), at: Date(timeIntervalSince1970: Double(at) / 1000), actor: actor, action: action,
                                         detail: detail, hash: hash))
        }
    }
}
