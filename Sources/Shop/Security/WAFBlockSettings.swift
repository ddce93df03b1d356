import Addressing
import Foundation
import Store
import WAF

/// The WAF's IP set as operators manage it: each block durable in the store (so it survives a restart)
/// before it takes effect, expired blocks left out when loading.
public struct WAFBlockSettings: Sendable {
    static let table = "waf-blocks"
    /// The allowlist's ranges, kept like the blocks (a CIDR, a reason, when).
    static let allowlistTable = "waf-allowlist"
    /// The name verdicts give for a blocked address.
    public static let rule = "ip-block"
    /// The source of the blocks operators make (the only ones kept in the store).
    static let operatorSource = "manual"
    let store: any DocumentStore
    let waf: WebApplicationFirewall

    func load() async throws(StoreError) {
        try await store.ensureTable(TableSchema(name: Self.table, partitionKey: KeyAttribute("cidr", .string)))
        try await store.ensureTable(TableSchema(name: Self.allowlistTable, partitionKey: KeyAttribute("cidr", .string)))
        for block in try await stored() { waf.blocks.add(block) }
        for entry in try await stored(in: Self.allowlistTable) { waf.allowlist.add(entry) }
    }

    /// The blocks the store holds that have not expired (what every instance of a shop enforces).
    func stored(in table: String = WAFBlockSettings.table) async throws(StoreError) -> [IPBlock] {
        var blocks: [IPBlock] = []
        var cursor: PageCursor?
        repeat {
            let page = try await store.scan(table, ScanRequest(startAfter: cursor))
            for item in page.items {
                guard let block = Self.block(item), block.expiresAt.map({ $0 > waf.now }) ?? true else { continue }
                blocks.append(block)
            }
            cursor = page.nextCursor
        } while cursor != nil
        return blocks
    }

    /// Parses `text` (an address or CIDR, IPv4 or IPv6) into a block.
    static func block(parsing text: String, reason: String, source: String, createdAt: Date, expiresAt: Date?) -> IPBlock? {
        guard let network = IPNetwork(text.trimmingCharacters(in: .whitespaces)) else { return nil }
        return IPBlock(cidr: network.description, network: network.address.addressBytes, prefixLength: network.prefixLength,
                       reason: reason, source: source, createdAt: createdAt, expiresAt: expiresAt)
    }

    func add(_ block: IPBlock) async throws(StoreError) {
        _ = try await store.put(Self.table, Self.item(block))
        waf.blocks.add(block)
    }

    /// Puts a range on the allowlist, durably first.
    func allow(_ entry: IPBlock) async throws(StoreError) {
        _ = try await store.put(Self.allowlistTable, Self.item(entry))
        waf.allowlist.add(entry)
    }

    /// Takes a range off the allowlist; false if it was not on it.
    func disallow(_ network: IPNetwork) async throws(StoreError) -> Bool {
        let cidr = network.description
        _ = try await store.delete(Self.allowlistTable, key: ["cidr": .string(cidr)])
        return waf.allowlist.remove(cidr)
    }

    private static func item(_ block: IPBlock) -> Item {
        var item: Item = ["cidr": .string(block.cidr), "reason": .string(block.reason), "source": .string(block.source),
                          "createdAt": .number(Int(block.createdAt.timeIntervalSince1970 * 1000))]
        if let expiresAt = block.expiresAt { item["expiresAt"] = .number(Int(expiresAt.timeIntervalSince1970 * 1000)) }
        return item
    }

    /// Removes the block for `network` — a manual or repeat-offender block, and for a single address
    /// also a rate rule's refusal (its count starts again); false if there was none.
    func remove(_ network: IPNetwork) async throws(StoreError) -> Bool {
        let cidr = network.description
        let existed = waf.blocks.list(now: waf.now).contains { $0.cidr == cidr }
        _ = try await store.delete(Self.table, key: ["cidr": .string(cidr)])
        let forgiven = network.prefixLength == network.address.addressBytes.count * 8 && waf.forgive(network.address.addressBytes)
        return waf.blocks.remove(cidr) || existed || forgiven
    }

    private static func block(_ item: Item) -> IPBlock? {
        guard case .string(let cidr)? = item["cidr"], case .string(let reason)? = item["reason"], case .string(let source)? = item["source"],
              let created = item["createdAt"]?.int64Value else { return nil }
        let expires = item["expiresAt"]?.int64Value.map { Date(timeIntervalSince1970: Double($0) / 1000) }
        return block(parsing: cidr, reason: reason, source: source, createdAt: Date(timeIntervalSince1970: Double(created) / 1000), expiresAt: expires)
    }
}
