import Addressing
import Dashboard
import Foundation
import Telemetry
import WAF

extension Core {
    /// Addresses a preview lists.
    static let previewAddressesShown = 20

    /// What setting rule `name` to `action` (and a rate rule to `limit`) would have done to recent traffic:
    /// for a detector or the IP set, its matches in the WAF's log replayed under the new action; for a rate
    /// rule, the addresses over the new limit in its current window. Each address is looked up in what the
    /// shop saw it do, so the operator sees which paying customers the change would have shut out.
    public func rulePreview(rule name: String, action text: String?, limit: Int?) throws(OperatorError) -> RulePreview {
        guard let status = waf.rules.first(where: { $0.name == name }) else { throw OperatorError(.notFound, "no WAF rule named \(name)") }
        let action: RuleAction
        if let text {
            guard let parsed = RuleAction(rawValue: text) else { throw OperatorError(.invalid, "action must be block, count or off") }
            action = parsed
        } else {
            action = status.action
        }
        if let limit, !(1...1_000_000).contains(limit) { throw OperatorError(.invalid, "limit must be 1 to 1000000") }
        let now = options.clock.now()
        var counts: [String: Int] = [:]
        let basis: String
        let effect: RulePreview.Effect
        if let rate = waf.rateRules.first(where: { $0.name == name }) {
            let settings = rate.current
            let proposed = limit ?? settings.limit
            basis = "its current \(settings.windowSeconds)-s window"
            switch (status.action, action) {
            case (_, .block) where proposed < settings.limit || status.action != .block:
                effect = .refused
                for (address, count) in rate.addresses(over: proposed, now: now, maximum: 10_000) { counts[IPAddress(addressBytes: address).description] = count - proposed }
            case (.block, .count), (.block, .off):
                effect = .letThrough
                for (address, count) in rate.addresses(over: settings.limit, now: now, maximum: 10_000) { counts[IPAddress(addressBytes: address).description] = count - settings.limit }
            default:
                effect = .none
            }
        } else {
            let matches = waf.recentVerdicts(limit: 1000).filter { $0.rule == name }
            basis = matches.first.map { "the \(matches.count) matches in the WAF's log since \(Logger.timestamp($0.at))" } ?? "no match in the WAF's log"
            let replayed: RuleAction? = switch (status.action, action) {
            case (.count, .block), (.off, .block): .count
            case (.block, .count), (.block, .off): .block
            default: nil
            }
            effect = replayed == nil || matches.isEmpty ? .none : action == .block ? .refused : .letThrough
            for match in matches where match.action == replayed { counts[match.clientIP, default: 0] += 1 + match.repeats }
        }
        let addresses = payingOrNot(counts, since: now.addingTimeInterval(-Double(Self.dossierWindowSeconds)))
        return RulePreview(rule: name, action: action.rawValue, limit: limit, basis: basis, effect: effect, requests: counts.values.reduce(0, +),
                           addresses: Array(addresses.prefix(Self.previewAddressesShown)), addressCount: counts.count)
    }

    /// `counts`' addresses with the paying accounts behind each since `since`: paying ones first, then the busiest.
    private func payingOrNot(_ counts: [String: Int], since: Date) -> [RulePreview.Address] {
        // One pass over the activity, not one per address: a spray from thousands of addresses stays one scan.
        var paying: [String: (accounts: Set<String>, orders: Int, revenue: Int)] = [:]
        for event in addressActivity.events(in: nil, since: since, limit: AddressActivity.capacity)
        where event.kind == .ordered && event.outcome == "confirmed" {
            let address = event.address.description
            guard counts[address] != nil else { continue }
            var entry = paying[address] ?? ([], 0, 0)
            entry.accounts.insert(event.account)
            entry.orders += 1
            entry.revenue += event.amount ?? 0
            paying[address] = entry
        }
        return counts.map { address, requests in
            let entry = paying[address]
            return RulePreview.Address(address: address, requests: requests, payingAccounts: entry.map { $0.accounts.sorted() } ?? [],
                                       confirmedOrders: entry?.orders ?? 0, revenue: entry?.revenue ?? 0)
        }.sorted { ($0.confirmedOrders, $0.requests, $1.address) > ($1.confirmedOrders, $1.requests, $0.address) }
    }
}
