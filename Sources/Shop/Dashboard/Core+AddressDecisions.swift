import Addressing
import Dashboard
import Foundation
import Store
import WAF

/// Decisions about many addresses at once, after CrowdSec's `cscli decisions` and fail2ban's `ignoreip`: an
/// allowlist no automatic rule overrides, and removing blocks by source or range in one action.
extension Core {
    func allow(_ text: String, reason: String) async throws(OperatorError) -> OperatorOutcome {
        guard (1...200).contains(reason.count) else { throw OperatorError(.invalid, "reason must be 1 to 200 characters") }
        guard let entry = WAFBlockSettings.block(parsing: text, reason: reason, source: "allowlist", createdAt: waf.now, expiresAt: nil) else {
            throw OperatorError(.invalid, "\(text) is not an IPv4 or IPv6 address or CIDR block")
        }
        guard waf.allowlist.count < IPBlockList.capacity else { throw OperatorError(.conflict, "the allowlist is full (\(IPBlockList.capacity) ranges)") }
        do throws(StoreError) {
            try await wafBlocks.allow(entry)
        } catch {
            throw OperatorError(.unavailable, "the range could not be allowlisted: \(error)")
        }
        return OperatorOutcome(message: "allowlisted \(entry.cidr): \(reason) (rate rules and repeat-offender blocks skip it)")
    }

    func disallow(_ text: String) async throws(OperatorError) -> OperatorOutcome {
        guard let network = IPNetwork(text) else { throw OperatorError(.invalid, "\(text) is not an IPv4 or IPv6 address or CIDR block") }
        let removed: Bool
        do throws(StoreError) {
            removed = try await wafBlocks.disallow(network)
        } catch {
            throw OperatorError(.unavailable, "the range could not be taken off the allowlist: \(error)")
        }
        guard removed else { throw OperatorError(.notFound, "\(network.description) is not on the allowlist") }
        return OperatorOutcome(message: "took \(network.description) off the allowlist")
    }

    /// Removes every block from `source` and/or inside `within`, each through the same path as `unblock`.
    func unblockMatching(source: String?, within text: String?) async throws(OperatorError) -> OperatorOutcome {
        guard source != nil || text != nil else { throw OperatorError(.invalid, "name a source, a range, or both") }
        var range: IPNetwork?
        if let text {
            guard let parsed = IPNetwork(text) else { throw OperatorError(.invalid, "\(text) is not an IPv4 or IPv6 address or CIDR block") }
            range = parsed
        }
        let chosen = waf.blockedAddresses().filter { block in
            guard source.map({ $0 == block.source }) ?? true else { return false }
            guard let range else { return true }
            guard let network = IPNetwork(block.cidr) else { return false }
            return network.prefixLength >= range.prefixLength && range.contains(network.address)
        }
        var removed = Set<String>()
        for block in chosen where !removed.contains(block.cidr) {
            guard let network = IPNetwork(block.cidr) else { continue }
            do throws(StoreError) {
                if try await wafBlocks.remove(network) { removed.insert(block.cidr) }
            } catch {
                throw OperatorError(.unavailable, "\(removed.count) removed, then a block could not be: \(error)")
            }
        }
        let what = [source.map { "from \($0)" }, range.map { "inside \($0.description)" }].compactMap { $0 }.joined(separator: " ")
        guard !removed.isEmpty else { throw OperatorError(.notFound, "no block \(what)") }
        return OperatorOutcome(message: "unblocked \(removed.count) address\(removed.count == 1 ? "" : "es") \(what): "
                               + removed.sorted().prefix(5).joined(separator: ", ") + (removed.count > 5 ? ", …" : ""))
    }
}
