import Foundation

/// The firewall's rules as operators see and steer them, and what it has done (for the console and the
/// admin API).
extension WebApplicationFirewall {
    /// Sets a rule's action; throws for an unknown rule name.
    public func setAction(_ action: RuleAction, forRule name: String) throws(WAFError) {
        if let rule = rateRules.first(where: { $0.name == name }) {
            rule.action = action
            return
        }
        switch name {
        case Self.ipSetRule:
            ipSetActionCell.value = action
            return
        case Self.oversizeRule:
            oversizeActionCell.value = action
            return
        case RepeatOffenderRule.name:
            repeatOffenders.action = action
            return
        default:
            break
        }
        guard let attack = AttackClass(rawValue: name) else { throw .unknownRule(name) }
        let shift = UInt16(Self.ruleOrder.firstIndex(of: attack)! * 2)
        let code = UInt16(Self.code(action))
        var current = packedActions.load(ordering: .acquiring)
        while true {
            let next = current & ~(0b11 << shift) | code << shift
            let (exchanged, original) = packedActions.compareExchange(expected: current, desired: next, ordering: .acquiringAndReleasing)
            if exchanged { break }
            current = original
        }
    }

    private static func code(_ action: RuleAction) -> UInt8 { UInt8(RuleAction.allCases.firstIndex(of: action)!) }

    /// Sets a detector family's paranoia level: 1 (the default) runs its level-1 rules, 2 adds its
    /// level-2 rules. Throws for a name that is not a detector family or a level other than 1 or 2.
    public func setParanoia(_ level: Int, forRule name: String) throws(WAFError) {
        guard let attack = AttackClass(rawValue: name) else { throw .unknownRule(name) }
        guard (1...2).contains(level) else { throw .paranoia(level) }
        let bit = UInt8(1) << UInt8(Self.ruleOrder.firstIndex(of: attack)!)
        if level == 2 { raisedFamilies.bitwiseOr(bit, ordering: .acquiringAndReleasing) } else { raisedFamilies.bitwiseAnd(~bit, ordering: .acquiringAndReleasing) }
    }

    /// A detector family's paranoia level.
    public func paranoia(of attack: AttackClass) -> Int { raised.contains(attack) ? 2 : 1 }

    /// The families at paranoia level 2.
    var raised: Set<AttackClass> {
        let bits = raisedFamilies.load(ordering: .acquiring)
        guard bits != 0 else { return [] }
        return Set(Self.ruleOrder.enumerated().filter { bits & (1 << UInt8($0.offset)) != 0 }.map(\.element))
    }

    /// What the IP set does with a listed address (`count` logs it and lets it in).
    public var ipSetAction: RuleAction { ipSetActionCell.value }

    /// What the WAF does with a request it cannot inspect in whole (`count` logs it and inspects what it can).
    public var oversizeAction: RuleAction { oversizeActionCell.value }

    /// The detectors' actions as they stand (block is code 0, so a fresh firewall blocks with every rule).
    var detectorActions: [AttackClass: RuleAction] {
        let packed = packedActions.load(ordering: .acquiring)
        var actions: [AttackClass: RuleAction] = [:]
        for (index, attack) in Self.ruleOrder.enumerated() {
            actions[attack] = RuleAction.allCases[Int(packed >> UInt16(index * 2) & 0b11)]
        }
        return actions
    }

    /// Every rule in evaluation order: the IP set, the rate rules, the oversize rule, the detectors, then the repeat-offender
    /// rule that feeds the IP set.
    public var rules: [RuleStatus] {
        let actions = detectorActions
        let ipSet = RuleStatus(name: Self.ipSetRule, kind: "ipset", action: ipSetAction, matched: log.matched(Self.ipSetRule))
        let rates = rateRules.map { rule in
            let settings = rule.current
            return RuleStatus(name: rule.name, kind: "rate", action: rule.action, matched: log.matched(rule.name), limit: settings.limit,
                              windowSeconds: settings.windowSeconds, scope: rule.scope?.description)
        }
        let detectors = Self.ruleOrder.map {
            RuleStatus(name: $0.rawValue, kind: $0.rawValue, action: actions[$0] ?? .block, matched: log.matched($0.rawValue), paranoia: paranoia(of: $0))
        }
        let offenders = repeatOffenders.current
        let repeatOffender = RuleStatus(name: RepeatOffenderRule.name, kind: "ipset", action: repeatOffenders.action,
                                        matched: log.matched(RepeatOffenderRule.name), limit: offenders.limit, windowSeconds: offenders.windowSeconds)
        let oversize = RuleStatus(name: Self.oversizeRule, kind: "oversize", action: oversizeAction, matched: log.matched(Self.oversizeRule))
        return [ipSet] + rates + [oversize] + detectors + [repeatOffender]
    }

    /// The latest blocked or counted requests, oldest first.
    public func recentVerdicts(limit: Int = 100) -> [VerdictRecord] {
        log.recent(limit: limit)
    }

    /// How many of the latest verdicts the log keeps at least (with their requests).
    public static let verdictsKept = VerdictLog.recentLimit

    /// A verdict still in the log, with the request as the WAF saw it (the request inspector).
    public func verdict(id: UInt64) -> VerdictRecord? {
        log.verdict(id: id)
    }

    /// Blocks per minute over the last hour, oldest minute first, for each rule that blocked in it.
    public func blocksPerMinute() -> [String: [Int]] {
        log.blocksPerMinute(now: now)
    }

    /// Matches per minute over the last hour, blocked or counted, oldest minute first, for each rule that matched in it.
    public func matchesPerMinute() -> [String: [Int]] {
        log.matchesPerMinute(now: now)
    }

    /// Matches per ten minutes over the last day, oldest first, for each rule that matched in it.
    public func matchesPerTenMinutes() -> [String: [Int]] {
        log.matchesPerTenMinutes(now: now)
    }

    /// The fields `rule`'s findings were in most often (`query:q`, `header:user-agent`), most first.
    public func topMatchedFields(_ rule: String, limit: Int = 3) -> [(field: String, count: Int)] {
        log.topFields(rule, limit: limit)
    }

    /// Blocks over the last 60 seconds, all rules together: a sliding minute, so a steady attack reads steady.
    public func blocksInLastMinute() -> Int {
        log.blocksInLastMinute(now: now)
    }

    /// The client addresses blocked most often (any rule), busiest first.
    public func topBlockedClients(limit: Int = 10) -> [BlockedClient] {
        log.topBlockedClients(limit: limit)
    }

    /// Every address kept out now: the IP set's blocks (`manual`, or a detector's name for a repeat
    /// offender) and the addresses over a rate rule's limit (source: the rule's name), oldest first.
    public func blockedAddresses() -> [IPBlock] {
        let now = self.now
        return (blocks.list(now: now) + rateRules.flatMap { $0.limitedAddresses(now: now) }).sorted { $0.createdAt < $1.createdAt }
    }

    /// Lets `address` back in past every rate rule at once; false if no rule was refusing it.
    @discardableResult
    public func forgive(_ address: [UInt8]) -> Bool {
        rateRules.reduce(false) { $1.forgive(address) || $0 }
    }
}
