import Foundation
import Store
import Synchronization
import WAF

/// What one instance of a shared shop takes from the others through the store, every couple of seconds:
/// IP blocks and allowlisted ranges added or removed elsewhere, rule settings changed elsewhere, API keys made elsewhere, the model
/// another instance's pipeline published, and admin tokens rotated
/// elsewhere (a token rotated here is put in the store for the others). Remembers what it last saw so that
/// an unchanged setting is not applied again (applying a rate rule's limit again would be harmless, but a
/// block removed here must not come back from a stale read).
final class SharedShopSync: Sendable {
    private struct Seen {
        var blocks: Set<String> = []
        var allowlist: Set<String> = []
        var rules: [String: Item] = [:]
        var tokens: [AccessTokens.Role: String] = [:]
    }

    private let blocks: WAFBlockSettings
    private let rules: WAFRuleSettings
    private let tokens: AccessTokens
    private let apiKeys: APIKeyRegistry
    private let recommendations: Recommendations
    private let models: SharedModels
    private let secrets: SharedSecrets
    private let directory: String
    private let seen = Mutex(Seen())

    init(store: any DocumentStore, blocks: WAFBlockSettings, rules: WAFRuleSettings, tokens: AccessTokens, apiKeys: APIKeyRegistry,
         recommendations: Recommendations, directory: String) {
        self.blocks = blocks
        self.apiKeys = apiKeys
        self.recommendations = recommendations
        models = SharedModels(store: store)
        self.rules = rules
        self.tokens = tokens
        secrets = SharedSecrets(store: store)
        self.directory = directory
    }

    /// One round: blocks, rules, API keys, tokens, the model in service. A failed read leaves things as they
    /// are until the next round. Returns the model version put in service when that changed.
    @discardableResult
    func synchronize() async -> Int?? {
        if let stored = try? await blocks.stored() { adoptBlocks(stored) }
        if let stored = try? await blocks.stored(in: WAFBlockSettings.allowlistTable) { adoptAllowlist(stored) }
        if let stored = try? await rules.stored() { adoptRules(stored) }
        try? await apiKeys.reload()
        await synchronizeTokens()
        return await models.adopt(into: recommendations)
    }

    private func adoptBlocks(_ stored: [IPBlock]) {
        let current = Set(stored.map(\.cidr))
        // Lifted: a block seen at the end of the last round (in the store, or made here) that the store no
        // longer holds. A block made here during this round's read is not in `seen` yet, so a read that
        // began before its write cannot lift it; only operators' blocks are stored, so a rate rule's or a
        // repeat offender's own refusals are never lifted by this.
        let gone = seen.withLock { $0.blocks.subtracting(current) }
        for cidr in gone { _ = blocks.waf.blocks.remove(cidr) }
        let listed = blocks.waf.blocks.list(now: blocks.waf.now)
        let listedCIDRs = Set(listed.map(\.cidr))
        for block in stored where !listedCIDRs.contains(block.cidr) { _ = blocks.waf.blocks.add(block) }
        let operators = blocks.waf.blocks.list(now: blocks.waf.now).filter { $0.source == WAFBlockSettings.operatorSource }.map(\.cidr)
        seen.withLock { $0.blocks = current.union(operators) }
    }

    /// The allowlist as the store holds it, by the same rule as the blocks: a range seen last round and no
    /// longer stored was taken off elsewhere; one stored and not listed here was put on elsewhere.
    private func adoptAllowlist(_ stored: [IPBlock]) {
        let allowlist = blocks.waf.allowlist
        let current = Set(stored.map(\.cidr))
        let gone = seen.withLock { $0.allowlist.subtracting(current) }
        for cidr in gone { _ = allowlist.remove(cidr) }
        let listed = Set(allowlist.list(now: blocks.waf.now).map(\.cidr))
        for entry in stored where !listed.contains(entry.cidr) { _ = allowlist.add(entry) }
        let local = Set(allowlist.list(now: blocks.waf.now).map(\.cidr))
        seen.withLock { $0.allowlist = current.union(local) }
    }

    private func adoptRules(_ stored: [Item]) {
        let changed = seen.withLock { seen in
            var changed: [Item] = []
            for item in stored {
                guard let name = item["name"]?.stringValue, seen.rules[name] != item else { continue }
                seen.rules[name] = item
                changed.append(item)
            }
            return changed
        }
        for item in changed { rules.apply(item) }
    }

    private func synchronizeTokens() async {
        for role in [AccessTokens.Role.admin, .viewer] {
            let local = tokens.token(role)
            let last = seen.withLock { $0.tokens[role] }
            if let last, local != last {
                // Rotated here (the admin route or `shopdeck tokens rotate`): the others take it from the store.
                guard (try? await secrets.set(role.fileName, local)) != nil else { continue }
                seen.withLock { $0.tokens[role] = local }
                continue
            }
            guard let shared = try? await secrets.value(role.fileName) else { continue }
            if shared != local {
                // Rotated elsewhere: this instance's file takes the new token, and the old one stops working here too.
                guard (try? AccessTokens.write(shared, role: role, directory: directory)) != nil else { continue }
                _ = tokens.token(role)
            }
            seen.withLock { $0.tokens[role] = shared }
        }
    }
}
