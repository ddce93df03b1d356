import Foundation
import Synchronization
import Telemetry

/// What a rule does with a request it matches.
public enum RuleAction: String, Sendable, CaseIterable, Codable {
    /// Refuse it (403).
    case block
    /// Let it through, but log the verdict and count it — for trying a rule out on live traffic.
    case count
    /// Do not evaluate the rule.
    case off
}

/// A rule as the admin API and the console show it.
public struct RuleStatus: Sendable, Equatable {
    public var name: String
    public var kind: String
    public var action: RuleAction
    public var matched: Int
    /// Rate rules: requests per `windowSeconds` per client address, and what they count.
    public var limit: Int?
    public var windowSeconds: Int?
    public var scope: String?

    public init(name: String, kind: String, action: RuleAction, matched: Int, limit: Int? = nil, windowSeconds: Int? = nil, scope: String? = nil) {
        self.name = name
        self.kind = kind
        self.action = action
        self.matched = matched
        self.limit = limit
        self.windowSeconds = windowSeconds
        self.scope = scope
    }
}

/// The WAF's answer for one request.
public enum WAFVerdict: Sendable, Equatable {
    case allow
    case block(rule: String, detection: Detection)
    /// The client's address is in the IP set (rule `ip-block`).
    case blockedAddress(IPBlock)
    /// The client's address is over a rate rule's limit.
    case rateLimited(rule: String, limit: Int, windowSeconds: Int)
}

/// One logged verdict (blocked or counted), newest last in `recentVerdicts`.
public struct VerdictRecord: Sendable, Equatable {
    public var at: Date
    public var clientIP: String
    public var method: String
    public var path: String
    public var rule: String
    public var action: RuleAction
    public var detection: Detection
}

/// The firewall: an ordered list of detector rules (`sqli`, `xss`, `cmdi`, `traversal`), each with an
/// action switchable at run time, a log of recent verdicts and counters for the console. Inspection runs
/// on the server's event loops, so it is synchronous, bounded (the request view's body limit) and takes
/// locks only to read the actions and to log.
public final class WebApplicationFirewall: Sendable {
    private struct State {
        var matched: [AttackClass: Int] = [:]
        var recent: [VerdictRecord] = []
    }

    /// Every rule's action, two bits per rule in `ruleOrder` order: read on every request by every event
    /// loop, so it is an atomic rather than a lock they would queue on.
    private let packedActions = Atomic<UInt16>(0)

    public static let ruleOrder: [AttackClass] = [.sqli, .xss, .cmdi, .traversal]
    static let allRules = Set(AttackClass.allCases)
    public let bodyLimit: Int
    /// Manual (and, later, rate-rule) blocks by address, checked before anything is decoded.
    public let blocks = IPBlockList()
    /// The time blocks are judged by (the same injected clock as the rest of the core).
    public var now: Date { clock.now() }
    private let state: Mutex<State>
    private let cache = CleanValueCache()
    private let clock: any WallClock
    private let blockedCounter: Counter
    private let countedCounter: Counter
    static let recentLimit = 500

    /// Rate-based rules, checked after the IP set and before the detectors.
    public let rateRules: [RateRule]

    /// The default rate rule, as design.md gives it: 600 requests per 300 s per address.
    public static func defaultRateRules() -> [RateRule] { [RateRule(name: "rate-limit", limit: 600, windowSeconds: 300)] }

    public init(bodyLimit: Int = 64 * 1024, clock: any WallClock = SystemClock(), metrics: MetricsRegistry = MetricsRegistry(),
                rateRules: [RateRule] = WebApplicationFirewall.defaultRateRules()) {
        self.bodyLimit = bodyLimit
        self.rateRules = rateRules
        self.clock = clock
        state = Mutex(State())
        blockedCounter = metrics.counter("shopdeck_waf_blocked_total", help: "Requests the WAF blocked")
        countedCounter = metrics.counter("shopdeck_waf_counted_total", help: "Requests a WAF rule in count mode matched")
    }

    /// Inspects a request and says whether to let it through. Matches of rules in `count` are logged and
    /// the request goes on; the first match of a rule in `block` ends it.
    public func inspect(method: String, target: String, headers: [(name: String, value: String)], body: [UInt8], clientIP: String,
                        clientAddress: [UInt8] = []) -> WAFVerdict {
        if !clientAddress.isEmpty {
            let now = clock.now()
            if !blocks.isEmpty, let block = blocks.match(clientAddress, now: now) { return .blockedAddress(block) }
            let path = target[..<(target.firstIndex(of: "?") ?? target.endIndex)]
            for rule in rateRules where rule.action != .off {
                guard rule.record(address: clientAddress, method: method, path: path, now: now) else { continue }
                rule.noteMatch()
                if rule.action == .block {
                    let settings = rule.current
                    return .rateLimited(rule: rule.name, limit: settings.limit, windowSeconds: settings.windowSeconds)
                }
            }
        }
        let packed = packedActions.load(ordering: .acquiring)
        // The common case, every rule on, reuses one set instead of building it per request.
        let enabled = packed == 0 ? Self.allRules : Set(currentActions.filter { $0.value != .off }.keys)
        guard !enabled.isEmpty else { return .allow }
        // Header values a browser repeats (User-Agent, cookies…) that every detector has passed before are
        // left out before any decoding: most requests then cost only their path, query and body.
        let everyRule = enabled.count == AttackClass.allCases.count
        var fresh: [(name: String, value: String)] = []
        var freshInspected = false
        for header in headers {
            let inspected = RequestView.isInspectedHeader(header.name)
            if inspected, everyRule, cache.contains(Self.cacheKey(header)) { continue }
            if inspected { freshInspected = true }
            if inspected || RequestView.isContentType(header.name) { fresh.append(header) }
        }
        // A plain path with nothing else to read holds nothing the other detectors look for; only a file no
        // shop serves (`/etc/passwd`) could still be there.
        if !freshInspected, body.isEmpty, RequestView.isPlainTarget(target), PathTraversalDetector.inspect(Array(target.utf8)) == nil {
            return .allow
        }
        let view = RequestView(method: method, target: target, headers: fresh, body: body, bodyLimit: bodyLimit)
        var remaining = enabled
        var clean = true
        defer {
            if clean, everyRule { for header in fresh where RequestView.isInspectedHeader(header.name) { cache.insert(Self.cacheKey(header)) } }
        }
        // A counted match must not hide a blocking one elsewhere in the request: inspect again without it.
        while !remaining.isEmpty, let detection = Detectors.inspect(view, enabled: remaining) {
            clean = false
            let action = packed == 0 ? .block : currentActions[detection.attack] ?? .block
            log(VerdictRecord(at: clock.now(), clientIP: clientIP, method: method, path: String(target.prefix { $0 != "?" }),
                              rule: detection.attack.rawValue, action: action, detection: detection))
            if action == .block { return .block(rule: detection.attack.rawValue, detection: detection) }
            remaining.remove(detection.attack)
        }
        return .allow
    }

    /// A header as the clean-value cache knows it: name and value, since the same text is read differently
    /// as a cookie, a Referer or a plain header.
    static func cacheKey(_ header: (name: String, value: String)) -> [UInt8] {
        Array(header.name.lowercased().utf8) + [0] + Array(header.value.utf8)
    }

    /// How many clean header values are remembered (for tests and the console).
    public var cachedCleanValues: Int { cache.count }

    /// Sets a rule's action; throws for an unknown rule name.
    public func setAction(_ action: RuleAction, forRule name: String) throws(WAFError) {
        if let rule = rateRules.first(where: { $0.name == name }) {
            rule.action = action
            return
        }
        guard let attack = AttackClass(rawValue: name) else { throw .unknownRule(name) }
        let shift = UInt16(Self.ruleOrder.firstIndex(of: attack)! * 2)
        let code = UInt16(RuleAction.allCases.firstIndex(of: action)!)
        var current = packedActions.load(ordering: .acquiring)
        while true {
            let next = current & ~(0b11 << shift) | code << shift
            let (exchanged, original) = packedActions.compareExchange(expected: current, desired: next, ordering: .acquiringAndReleasing)
            if exchanged { break }
            current = original
        }
    }

    /// The actions as they stand (block is code 0, so a fresh firewall blocks with every rule).
    private var currentActions: [AttackClass: RuleAction] {
        let packed = packedActions.load(ordering: .acquiring)
        var actions: [AttackClass: RuleAction] = [:]
        for (index, attack) in Self.ruleOrder.enumerated() {
            actions[attack] = RuleAction.allCases[Int(packed >> UInt16(index * 2) & 0b11)]
        }
        return actions
    }

    /// Every rule in evaluation order: the rate rules, then the detectors.
    public var rules: [RuleStatus] {
        let actions = currentActions
        let rates = rateRules.map { rule in
            let settings = rule.current
            return RuleStatus(name: rule.name, kind: "rate", action: rule.action, matched: rule.matched, limit: settings.limit,
                              windowSeconds: settings.windowSeconds, scope: rule.scope?.description)
        }
        return rates + state.withLock { s in
            Self.ruleOrder.map { RuleStatus(name: $0.rawValue, kind: $0.rawValue, action: actions[$0] ?? .block, matched: s.matched[$0] ?? 0) }
        }
    }

    /// The latest blocked or counted requests, oldest first.
    public func recentVerdicts(limit: Int = 100) -> [VerdictRecord] {
        state.withLock { Array($0.recent.suffix(limit)) }
    }

    private func log(_ record: VerdictRecord) {
        if record.action == .block { blockedCounter.increment() } else { countedCounter.increment() }
        state.withLock { s in
            if let attack = AttackClass(rawValue: record.rule) { s.matched[attack, default: 0] += 1 }
            s.recent.append(record)
            if s.recent.count > Self.recentLimit * 2 { s.recent.removeFirst(s.recent.count - Self.recentLimit) }
        }
    }
}

/// What the firewall's configuration calls can refuse.
public enum WAFError: Error, Equatable, CustomStringConvertible {
    case unknownRule(String)

    public var description: String {
        switch self {
        case .unknownRule(let name):
            "no WAF rule named \(name)"
        }
    }
}
