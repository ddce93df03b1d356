import Foundation

/// Every change an operator can make — from the console, the admin API or `POST /admin/actions` — as plain
/// values: one `Core.perform` checks it, carries it out and writes one audit entry for it, whichever way it
/// came.
public enum OperatorAction: Sendable, Equatable {
    /// Block an address or CIDR (IPv4 or IPv6), optionally for `ttlSeconds`. A block wider than a /8 (IPv4)
    /// or a /32 (IPv6), or one covering the caller's own address, needs `force`: one typo would lock out
    /// every shopper, or the operator.
    case block(cidr: String, reason: String, ttlSeconds: Int?, force: Bool = false)
    /// Remove a block (or let an address over a rate limit back in).
    case unblock(cidr: String)
    /// Remove every block from `source` (`manual`, a rate rule's or a detector's name) and/or inside `within`
    /// (a CIDR) at once — CrowdSec's `cscli decisions delete --origin / --range`. At least one is needed.
    case unblockMatching(source: String?, within: String?)
    /// Put a range on the allowlist: no automatic rule (rate rules, repeat offenders) keeps it out.
    case allow(cidr: String, reason: String)
    /// Take a range off the allowlist.
    case disallow(cidr: String)
    /// Set a WAF rule's action (`block`, `count`, `off`); for the rate and repeat-offender rules, its
    /// limit and window; for a detector family, its paranoia level (1 or 2). Nil leaves a setting as it is.
    case setRule(name: String, action: String?, limit: Int? = nil, windowSeconds: Int? = nil, paranoia: Int? = nil)
    /// Start a recommendation pipeline run, optionally failing on purpose at a step.
    case rerunPipeline(failAt: String?)
    /// Restart a failed pipeline run from the step it failed at (Step Functions' redrive): what it completed
    /// is not done again.
    case redriveRun(runID: String)
    /// Give up on a run that failed at a step and was held for a redrive: what it completed is undone in
    /// reverse order and it ends compensated.
    case abandonRun(runID: String)
    /// Move a queue's dead-lettered messages back to it.
    case redrive(queue: String)
    /// Delete every message waiting in a queue.
    case purge(queue: String)
    /// Set a product's stock.
    case restock(productId: String, stock: Int)
    /// Create an API key with its usage plan (the secret is in the outcome, once).
    case createAPIKey(name: String, rate: Double, burst: Int, dailyQuota: Int?)
    /// Create a first-come-first-served drop of `stock` units, opening at `opensAt` (now when nil).
    case createDrop(productId: String, stock: Int, opensAt: Date?)
    /// Change a schedule's expression, or switch it on or off.
    case updateSchedule(name: String, expression: String?, enabled: Bool?)
    /// Acknowledge what the data directory's repairs dropped, once checked: `/status` stops reporting them.
    case acknowledgeRepairs
    /// Replace the admin or viewer token (`role`): the old one stops working at once; the new one is in the
    /// outcome's `secret`.
    case rotateToken(role: String)
    /// Keep `percent` of shoppers (0–50, chosen by a stable hash of their id) on the model version before the
    /// one in service, so the two are compared over the same days (an A/B split); 0 ends it.
    case splitShoppers(percent: Int)

    /// The audit trail's name for the action (`waf.block`…): one vocabulary for every way it arrives.
    public var auditName: String {
        switch self {
        case .block: "waf.block"
        case .unblock: "waf.unblock"
        case .unblockMatching: "waf.unblock-matching"
        case .allow: "waf.allow"
        case .disallow: "waf.disallow"
        case .setRule: "waf.rule"
        case .rerunPipeline: "pipeline.run"
        case .redriveRun: "pipeline.redrive"
        case .abandonRun: "pipeline.abandon"
        case .redrive: "queue.redrive"
        case .purge: "queue.purge"
        case .restock: "product.restock"
        case .createAPIKey: "api-key.create"
        case .createDrop: "drop.create"
        case .updateSchedule: "schedule.update"
        case .acknowledgeRepairs: "repair.acknowledge"
        case .rotateToken: "token.rotate"
        case .splitShoppers: "recommender.split"
        }
    }
}

/// What an action did: a line for the event strip and the audit trail, and what it made, if anything.
public struct OperatorOutcome: Sendable, Equatable, Codable {
    public var message: String
    /// The run a pipeline action started.
    public var runID: String?
    /// Messages a redrive moved.
    public var moved: Int?
    /// A block that replaced an existing block of the same CIDR (its reason and expiry), rather than adding one.
    public var replaced = false
    /// What a creating action made: the API key's id (with its secret, shown once) or the drop's id.
    public var createdID: String?
    public var secret: String?

    public init(message: String, runID: String? = nil, moved: Int? = nil, replaced: Bool = false, createdID: String? = nil, secret: String? = nil) {
        self.message = message
        self.runID = runID
        self.moved = moved
        self.replaced = replaced
        self.createdID = createdID
        self.secret = secret
    }
}

/// Why an action was refused, in words for the event strip; `kind` is what the edge turns into a status
/// (the console shows only the words).
public struct OperatorError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable {
        /// A value in the action is not acceptable.
        case invalid
        /// What the action names does not exist.
        case notFound
        /// The shop's state does not allow it now (the IP set is full, nothing to acknowledge…).
        case conflict
        /// The caller may not make changes (a viewer token, a read-only console).
        case forbidden
        /// The shop could not carry it out now (a component failing, the shop unreachable); retry.
        case unavailable
    }

    public var kind: Kind
    public var description: String

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}

/// The JSON form of `POST /admin/actions`: `{"action": "block", "cidr": "203.0.113.0/24", "reason": "…",
/// "ttlSeconds": 600}` — the action's name, then its fields (a rule's action as `ruleAction`, a drop's
/// `opensAt` as RFC 3339).
extension OperatorAction: Codable {
    private enum Keys: String, CodingKey {
        case action, cidr, reason, ttlSeconds, force, name, ruleAction, limit, windowSeconds, paranoia, failAt, runId, queue, productId, stock, rate, burst
        case dailyQuota, opensAt, expression, enabled, role, source, within, percent
    }

    /// Every action's name on the wire.
    public static let names = ["block", "unblock", "unblockMatching", "allow", "disallow", "setRule", "rerunPipeline", "redriveRun", "abandonRun", "redrive", "purge", "restock", "createAPIKey", "createDrop",
                               "updateSchedule", "acknowledgeRepairs", "rotateToken", "splitShoppers"]

    public var name: String {
        switch self {
        case .block: "block"
        case .unblock: "unblock"
        case .unblockMatching: "unblockMatching"
        case .allow: "allow"
        case .disallow: "disallow"
        case .setRule: "setRule"
        case .rerunPipeline: "rerunPipeline"
        case .redriveRun: "redriveRun"
        case .abandonRun: "abandonRun"
        case .redrive: "redrive"
        case .purge: "purge"
        case .restock: "restock"
        case .createAPIKey: "createAPIKey"
        case .createDrop: "createDrop"
        case .updateSchedule: "updateSchedule"
        case .acknowledgeRepairs: "acknowledgeRepairs"
        case .rotateToken: "rotateToken"
        case .splitShoppers: "splitShoppers"
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let name = try c.decode(String.self, forKey: .action)
        switch name {
        case "block":
            self = .block(cidr: try c.decode(String.self, forKey: .cidr), reason: try c.decode(String.self, forKey: .reason),
                          ttlSeconds: try c.decodeIfPresent(Int.self, forKey: .ttlSeconds), force: try c.decodeIfPresent(Bool.self, forKey: .force) ?? false)
        case "unblock": self = .unblock(cidr: try c.decode(String.self, forKey: .cidr))
        case "unblockMatching":
            self = .unblockMatching(source: try c.decodeIfPresent(String.self, forKey: .source), within: try c.decodeIfPresent(String.self, forKey: .within))
        case "allow": self = .allow(cidr: try c.decode(String.self, forKey: .cidr), reason: try c.decode(String.self, forKey: .reason))
        case "disallow": self = .disallow(cidr: try c.decode(String.self, forKey: .cidr))
        case "setRule":
            self = .setRule(name: try c.decode(String.self, forKey: .name), action: try c.decodeIfPresent(String.self, forKey: .ruleAction),
                            limit: try c.decodeIfPresent(Int.self, forKey: .limit), windowSeconds: try c.decodeIfPresent(Int.self, forKey: .windowSeconds),
                            paranoia: try c.decodeIfPresent(Int.self, forKey: .paranoia))
        case "rerunPipeline": self = .rerunPipeline(failAt: try c.decodeIfPresent(String.self, forKey: .failAt))
        case "redriveRun": self = .redriveRun(runID: try c.decode(String.self, forKey: .runId))
        case "abandonRun": self = .abandonRun(runID: try c.decode(String.self, forKey: .runId))
        case "redrive": self = .redrive(queue: try c.decode(String.self, forKey: .queue))
        case "purge": self = .purge(queue: try c.decode(String.self, forKey: .queue))
        case "restock": self = .restock(productId: try c.decode(String.self, forKey: .productId), stock: try c.decode(Int.self, forKey: .stock))
        case "createAPIKey":
            self = .createAPIKey(name: try c.decode(String.self, forKey: .name), rate: try c.decode(Double.self, forKey: .rate),
                                 burst: try c.decode(Int.self, forKey: .burst), dailyQuota: try c.decodeIfPresent(Int.self, forKey: .dailyQuota))
        case "createDrop":
            var opensAt: Date?
            if let text = try c.decodeIfPresent(String.self, forKey: .opensAt) {
                guard let parsed = Self.timestamp.date(from: text) else {
                    throw DecodingError.dataCorruptedError(forKey: .opensAt, in: c, debugDescription: "opensAt must be an RFC 3339 time such as 2026-12-01T09:00:00Z")
                }
                opensAt = parsed
            }
            self = .createDrop(productId: try c.decode(String.self, forKey: .productId), stock: try c.decode(Int.self, forKey: .stock), opensAt: opensAt)
        case "updateSchedule":
            self = .updateSchedule(name: try c.decode(String.self, forKey: .name), expression: try c.decodeIfPresent(String.self, forKey: .expression),
                                   enabled: try c.decodeIfPresent(Bool.self, forKey: .enabled))
        case "acknowledgeRepairs": self = .acknowledgeRepairs
        case "rotateToken": self = .rotateToken(role: try c.decode(String.self, forKey: .role))
        case "splitShoppers": self = .splitShoppers(percent: try c.decode(Int.self, forKey: .percent))
        default:
            throw DecodingError.dataCorruptedError(forKey: .action, in: c,
                                                   debugDescription: "unknown action \(name.prefix(40)); one of \(Self.names.joined(separator: ", "))")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(name, forKey: .action)
        switch self {
        case let .block(cidr, reason, ttl, force):
            try c.encode(cidr, forKey: .cidr)
            try c.encode(reason, forKey: .reason)
            try c.encodeIfPresent(ttl, forKey: .ttlSeconds)
            if force { try c.encode(true, forKey: .force) }
        case .unblock(let cidr), .disallow(let cidr): try c.encode(cidr, forKey: .cidr)
        case let .unblockMatching(source, within):
            try c.encodeIfPresent(source, forKey: .source)
            try c.encodeIfPresent(within, forKey: .within)
        case let .allow(cidr, reason):
            try c.encode(cidr, forKey: .cidr)
            try c.encode(reason, forKey: .reason)
        case let .setRule(name, action, limit, window, paranoia):
            try c.encode(name, forKey: .name)
            try c.encodeIfPresent(action, forKey: .ruleAction)
            try c.encodeIfPresent(limit, forKey: .limit)
            try c.encodeIfPresent(window, forKey: .windowSeconds)
            try c.encodeIfPresent(paranoia, forKey: .paranoia)
        case .rerunPipeline(let failAt): try c.encodeIfPresent(failAt, forKey: .failAt)
        case .redriveRun(let runID), .abandonRun(let runID): try c.encode(runID, forKey: .runId)
        case .redrive(let queue), .purge(let queue): try c.encode(queue, forKey: .queue)
        case let .restock(id, stock):
            try c.encode(id, forKey: .productId)
            try c.encode(stock, forKey: .stock)
        case let .createAPIKey(name, rate, burst, quota):
            try c.encode(name, forKey: .name)
            try c.encode(rate, forKey: .rate)
            try c.encode(burst, forKey: .burst)
            try c.encodeIfPresent(quota, forKey: .dailyQuota)
        case let .createDrop(id, stock, opensAt):
            try c.encode(id, forKey: .productId)
            try c.encode(stock, forKey: .stock)
            try c.encodeIfPresent(opensAt.map { Self.timestamp.string(from: $0) }, forKey: .opensAt)
        case let .updateSchedule(name, expression, enabled):
            try c.encode(name, forKey: .name)
            try c.encodeIfPresent(expression, forKey: .expression)
            try c.encodeIfPresent(enabled, forKey: .enabled)
        case .acknowledgeRepairs: break
        case .rotateToken(let role): try c.encode(role, forKey: .role)
        case .splitShoppers(let percent): try c.encode(percent, forKey: .percent)
        }
    }

    /// RFC 3339, with or without fractional seconds on the way in.
    static let timestamp = RFC3339()
}

/// RFC 3339 times, as the admin API writes them.
struct RFC3339: Sendable {
    func date(from text: String) -> Date? {
        let whole = ISO8601DateFormatter()
        if let date = whole.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }

    func string(from date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
