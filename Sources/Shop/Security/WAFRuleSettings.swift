import Store
import WAF

/// The WAF rules' actions as an operator set them, kept in the store so a restart does not quietly turn
/// a rule back on (or off).
struct WAFRuleSettings: Sendable {
    static let table = "waf-rules"
    let store: any DocumentStore
    let waf: WebApplicationFirewall

    func load() async throws(StoreError) {
        try await store.ensureTable(TableSchema(name: Self.table, partitionKey: KeyAttribute("name", .string)))
        for item in try await stored() { apply(item) }
    }

    /// Every rule setting the store holds, as items (a few dozen at most: one per rule).
    func stored() async throws(StoreError) -> [Item] {
        try await store.scan(Self.table, ScanRequest()).items
    }

    /// Puts one stored setting into force.
    func apply(_ item: Item) {
        guard case .string(let name)? = item["name"], case .string(let text)? = item["action"], let action = RuleAction(rawValue: text) else { return }
        try? waf.setAction(action, forRule: name)
        tune(name, limit: item["limit"]?.int64Value.map { Int($0) }, windowSeconds: item["windowSeconds"]?.int64Value.map { Int($0) })
        if let level = item["paranoia"]?.int64Value { try? waf.setParanoia(Int(level), forRule: name) }
    }

    /// Whether the rule takes a limit and a window: the rate rules, and the repeat-offender rule (its
    /// threshold as the limit).
    func isTunable(_ name: String) -> Bool {
        name == RepeatOffenderRule.name || waf.rateRules.contains { $0.name == name }
    }

    private func tune(_ name: String, limit: Int?, windowSeconds: Int?) {
        if name == RepeatOffenderRule.name { waf.repeatOffenders.update(threshold: limit, windowSeconds: windowSeconds) }
        waf.rateRules.first { $0.name == name }?.update(limit: limit, windowSeconds: windowSeconds)
    }

    /// Sets and records a rule's action, for a tunable rule its limit and window, for a detector family its
    /// paranoia level (each optional; durable before it takes effect).
    func set(_ name: String, action: RuleAction?, limit: Int?, windowSeconds: Int?, paranoia: Int? = nil) async throws -> RuleStatus {
        guard let current = waf.rules.first(where: { $0.name == name }) else { throw WAFError.unknownRule(name) }
        let newAction = action ?? current.action
        var item: Item = ["name": .string(name), "action": .string(newAction.rawValue)]
        if isTunable(name) {
            item["limit"] = .number(limit ?? current.limit ?? 0)
            item["windowSeconds"] = .number(windowSeconds ?? current.windowSeconds ?? 0)
        }
        if let level = paranoia ?? current.paranoia { item["paranoia"] = .number(level) }
        _ = try await store.put(Self.table, item)
        try waf.setAction(newAction, forRule: name)
        if let paranoia { try waf.setParanoia(paranoia, forRule: name) }
        tune(name, limit: limit, windowSeconds: windowSeconds)
        return waf.rules.first { $0.name == name }!
    }
}
