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

/// A rule's action, read on every request by every event loop: an atomic rather than a lock they would
/// queue on. Starts at `block`.
final class RuleActionCell: Sendable {
    private let code = Atomic<UInt8>(0)

    var value: RuleAction {
        get { RuleAction.allCases[Int(code.load(ordering: .acquiring))] }
        set { code.store(UInt8(RuleAction.allCases.firstIndex(of: newValue)!), ordering: .releasing) }
    }
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
    /// Detector families: the paranoia level their rules run at (1 or 2).
    public var paranoia: Int?

    public init(name: String, kind: String, action: RuleAction, matched: Int, limit: Int? = nil, windowSeconds: Int? = nil, scope: String? = nil,
                paranoia: Int? = nil) {
        self.paranoia = paranoia
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
    /// Part of the request could not be inspected (rule `oversize`).
    case uninspectable(Uninspectable)
}

/// The firewall: an ordered list of detector rules (`sqli`, `xss`, `cmdi`, `traversal`), each with an
/// action switchable at run time, a log of recent verdicts and counters for the console. Inspection runs
/// on the server's event loops, so it is synchronous, bounded (the request view's body limit) and takes
/// locks only to read the actions and to log.
public final class WebApplicationFirewall: Sendable {
    /// Every detector rule's action, two bits per rule in `ruleOrder` order: read on every request by
    /// every event loop, so it is an atomic rather than a lock they would queue on.
    let packedActions = Atomic<UInt16>(0)
    /// The detector families raised to paranoia level 2, one bit each in `ruleOrder` order.
    let raisedFamilies = Atomic<UInt8>(0)
    let ipSetActionCell = RuleActionCell()
    let oversizeActionCell = RuleActionCell()

    public static let ruleOrder: [AttackClass] = [.sqli, .xss, .cmdi, .traversal]
    /// The IP set's rule name, as verdicts and the rule list give it.
    public static let ipSetRule = "ip-block"
    /// The rule for what the WAF cannot inspect: a body past `bodyLimit`, more fields than it reads, JSON
    /// not in UTF-8.
    public static let oversizeRule = "oversize"
    static let allRules = Set(AttackClass.allCases)
    public let bodyLimit: Int
    /// Manual and repeat-offender blocks by address, checked before anything is decoded.
    public let blocks = IPBlockList()
    /// Ranges no automatic rule keeps out (fail2ban's `ignoreip`, CrowdSec's allowlists): the rate rules do not
    /// count them and the repeat-offender rule never blocks them. An operator's own block still applies, and a
    /// request carrying an attack is still refused: the allowlist trusts the address, not every request from it.
    public let allowlist = IPBlockList()
    /// The time blocks are judged by (the same injected clock as the rest of the core).
    public var now: Date { clock.now() }
    let log: VerdictLog
    private let cache = CleanValueCache()
    private let clock: any WallClock

    /// Rate-based rules, checked after the IP set and before the detectors.
    public let rateRules: [RateRule]
    /// Puts addresses the detectors keep blocking into the IP set for a while.
    public let repeatOffenders: RepeatOffenderRule

    /// The default rate rules: design.md's 600 requests per 300 s per address, and a tighter one on
    /// sign-in (20 attempts per 300 s per address) against credential stuffing, which spreads its guesses
    /// over many accounts and so slips under the per-account lockout.
    public static func defaultRateRules() -> [RateRule] {
        [RateRule(name: "rate-limit", limit: 600, windowSeconds: 300),
         RateRule(name: "login-rate", limit: 20, windowSeconds: 300, scope: .init(method: "POST", pathPrefix: "/api/sessions"))]
    }

    public init(bodyLimit: Int = 64 * 1024, clock: any WallClock = SystemClock(), metrics: MetricsRegistry = MetricsRegistry(),
                rateRules: [RateRule] = WebApplicationFirewall.defaultRateRules(), repeatOffenders: RepeatOffenderRule = RepeatOffenderRule()) {
        self.bodyLimit = bodyLimit
        self.rateRules = rateRules
        self.repeatOffenders = repeatOffenders
        self.clock = clock
        log = VerdictLog(metrics: metrics)
    }

    /// Inspects a request and says whether to let it through: the IP set, then the rate rules, then the
    /// detectors. Matches of rules in `count` are logged and the request goes on; the first match of a rule
    /// in `block` ends it. `clientIP` is the address as text, made only when a verdict is logged (formatting
    /// it for every request was 1 % of the gateway route's CPU).
    public func inspect(method: String, target: String, headers: [(name: String, value: String)], body: [UInt8],
                        clientIP: @autoclosure () -> String, clientAddress: [UInt8] = []) -> WAFVerdict {
        let path = target.utf8.firstIndex(of: UInt8(ascii: "?")).map { target[..<$0] } ?? target[...]
        func record(_ rule: String, _ action: RuleAction, _ detail: String, _ detection: Detection? = nil) {
            log.append(VerdictRecord(at: clock.now(), clientIP: clientIP(), method: method, path: String(path), rule: rule, action: action,
                                     detection: detection, detail: detail)) { SeenRequest(target: target, headers: headers, body: body) }
        }
        if !clientAddress.isEmpty {
            let now = clock.now()
            let ipSetAction = self.ipSetAction
            if ipSetAction != .off, !blocks.isEmpty, let block = blocks.match(clientAddress, now: now) {
                record(Self.ipSetRule, ipSetAction, "\(block.cidr) blocked (\(block.source)): \(block.reason)")
                if ipSetAction == .block { return .blockedAddress(block) }
            }
            let allowlisted = !allowlist.isEmpty && allowlist.match(clientAddress, now: now) != nil
            for rule in rateRules where rule.action != .off && !allowlisted {
                guard let total = rule.record(address: clientAddress, clientIP: clientIP(), method: method, path: path, now: now) else { continue }
                let settings = rule.current
                record(rule.name, rule.action, "\(total) requests in \(settings.windowSeconds) s, limit \(settings.limit)")
                if rule.action == .block { return .rateLimited(rule: rule.name, limit: settings.limit, windowSeconds: settings.windowSeconds) }
            }
        }
        let packed = packedActions.load(ordering: .acquiring)
        // The common case, every rule on, reuses one set instead of building it per request.
        let enabled = packed == 0 ? Self.allRules : Set(detectorActions.filter { $0.value != .off }.keys)
        guard !enabled.isEmpty else { return .allow }
        // Header values a browser repeats (User-Agent, cookies…) that every detector has passed before are
        // left out before any decoding: most requests then cost only their path, query and body. Only at
        // paranoia level 1 everywhere: what level 1 passed, level 2 must read again.
        let raised = self.raised
        let everyRule = enabled.count == AttackClass.allCases.count && raised.isEmpty
        var fresh: [(name: String, value: String)] = []
        var freshInspected = false
        for header in headers {
            let inspected = RequestView.isInspectedHeader(header.name)
            if inspected, everyRule, cache.contains(header: header) { continue }
            if inspected { freshInspected = true }
            if inspected || RequestView.isContentType(header.name) { fresh.append(header) }
        }
        // A plain path with nothing else to read holds nothing the other detectors look for; only a file no
        // shop serves (`/etc/passwd`) could still be there.
        if !freshInspected, body.isEmpty, RequestView.isPlainTarget(target), plainTargetIsClean(target) {
            return .allow
        }
        let view = RequestView(method: method, target: target, headers: fresh, body: body, bodyLimit: bodyLimit)
        if let problem = view.uninspectable {
            let action = oversizeAction
            if action != .off {
                record(Self.oversizeRule, action, problem.description)
                if action == .block { return .uninspectable(problem) }
            }
        }
        var remaining = enabled
        var clean = true
        defer {
            if clean, everyRule { for header in fresh where RequestView.isInspectedHeader(header.name) { cache.insert(Self.cacheKey(header)) } }
        }
        // A counted match must not hide a blocking one elsewhere in the request: inspect again without it.
        while !remaining.isEmpty, let detection = Detectors.inspect(view, enabled: remaining, raised: raised) {
            clean = false
            let action = packed == 0 ? .block : detectorActions[detection.attack] ?? .block
            let truncated = view.bodyTruncated ? " (body inspected up to \(bodyLimit) bytes)" : ""
            record(detection.attack.rawValue, action, "[\(detection.rule.id)] \(detection.shape) in \(detection.field)\(truncated)", detection)
            if action == .block {
                if !clientAddress.isEmpty, allowlist.isEmpty || allowlist.match(clientAddress, now: clock.now()) == nil {
                    noteOffence(by: clientAddress, clientIP: clientIP, rule: detection.attack.rawValue, record: record)
                }
                return .block(rule: detection.attack.rawValue, detection: detection)
            }
            remaining.remove(detection.attack)
        }
        return .allow
    }

    /// Counts a detector block against the address, and blocks the address once it has too many.
    private func noteOffence(by address: [UInt8], clientIP: () -> String, rule: String, record: (String, RuleAction, String, Detection?) -> Void) {
        let action = repeatOffenders.action
        guard action != .off, repeatOffenders.noteOffence(address, now: clock.now()) else { return }
        let settings = repeatOffenders.current
        let now = clock.now()
        let cidr = "\(clientIP())/\(address.count * 8)"
        record(RepeatOffenderRule.name, action, "\(cidr) blocked for \(repeatOffenders.blockSeconds) s", nil)
        guard action == .block else { return }
        blocks.add(IPBlock(cidr: cidr, network: address, prefixLength: address.count * 8,
                           reason: "\(settings.limit) requests blocked by WAF rules within \(settings.windowSeconds) s, the last by \(rule)",
                           source: rule, createdAt: now, expiresAt: now.addingTimeInterval(Double(repeatOffenders.blockSeconds))))
    }

    /// The name plain targets are remembered under in the clean-value cache: no header can carry it, since a
    /// header name cannot hold a control character.
    static let plainTargetName = "\u{1}target"

    /// Whether a plain target (`RequestView.isPlainTarget`) names no file a shop never serves. The answer
    /// depends on the target alone, so a target found clean is remembered: checking it again for every request
    /// for a product was 2.75 % of the gateway route's CPU.
    private func plainTargetIsClean(_ target: String) -> Bool {
        if cache.contains(header: (Self.plainTargetName, target)) { return true }
        guard PathTraversalDetector.inspect(Array(target.utf8)) == nil else { return false }
        cache.insert(Self.cacheKey((Self.plainTargetName, target)))
        return true
    }

    /// A header as the clean-value cache knows it: name and value, since the same text is read differently
    /// as a cookie, a Referer or a plain header.
    static func cacheKey(_ header: (name: String, value: String)) -> [UInt8] {
        var key: [UInt8] = []
        key.reserveCapacity(header.name.utf8.count + 1 + header.value.utf8.count)
        for byte in header.name.utf8 { key.append(ASCIINames.lower(byte)) }
        key.append(0)
        key.append(contentsOf: header.value.utf8)
        return key
    }

    /// How many clean header values are remembered (for tests and the console).
    public var cachedCleanValues: Int { cache.count }
}

/// What the firewall's configuration calls can refuse.
public enum WAFError: Error, Equatable, CustomStringConvertible {
    case unknownRule(String)
    /// A paranoia level other than 1 or 2.
    case paranoia(Int)

    public var description: String {
        switch self {
        case .unknownRule(let name):
            "no WAF rule named \(name)"
        case .paranoia(let level):
            "paranoia level \(level) does not exist (1 or 2)"
        }
    }
}
