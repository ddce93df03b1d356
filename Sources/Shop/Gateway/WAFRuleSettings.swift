import Store
import WAF

/// The WAF rules' actions as an operator set them, kept in the store so a restart does not quietly turn
/// a rule back on (or off).
struct WAFRuleSettings: Sendable {
    static let table = "waf-rules"
    let store: Store
    let waf: WebApplicationFirewall

    func load() async throws(StoreError) {
        try await store.ensureTable(TableSchema(name: Self.table, partitionKey: KeyAttribute("name", .string)))
        let page = try await store.scan(Self.table, ScanRequest())
        for item in page.items {
            guard case .string(let name)? = item["name"], case .string(let text)? = item["action"], let action = RuleAction(rawValue: text) else { continue }
            try? waf.setAction(action, forRule: name)
            if let rule = waf.rateRules.first(where: { $0.name == name }) {
                rule.update(limit: item["limit"]?.int64Value.map { Int($0) }, windowSeconds: item["windowSeconds"]?.int64Value.map { Int($0) })
            }
        }
    }

    /// Sets and records a rate rule's action, limit and window (each optional).
    func setRate(_ name: String, action: RuleAction?, limit: Int?, windowSeconds: Int?) async throws -> RuleStatus {
        guard let rule = waf.rateRules.first(where: { $0.name == name }) else { throw WAFError.unknownRule(name) }
        let current = rule.current
        let newAction = action ?? rule.action
        _ = try await store.put(Self.table, ["name": .string(name), "action": .string(newAction.rawValue),
                                             "limit": .number(limit ?? current.limit), "windowSeconds": .number(windowSeconds ?? current.windowSeconds)])
        rule.action = newAction
        rule.update(limit: limit, windowSeconds: windowSeconds)
        return waf.rules.first { $0.name == name }!
    }

    /// Sets and records a rule's action (durable before it takes effect).
    func set(_ action: RuleAction, forRule name: String) async throws -> RuleStatus {
        guard let current = waf.rules.first(where: { $0.name == name }) else { throw WAFError.unknownRule(name) }
        _ = try await store.put(Self.table, ["name": .string(name), "action": .string(action.rawValue)])
        try waf.setAction(action, forRule: name)
        return RuleStatus(name: current.name, kind: current.kind, action: action, matched: current.matched)
    }
}
