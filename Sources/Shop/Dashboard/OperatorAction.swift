import Foundation
import HTTP

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
    /// Set a WAF rule's action (`block`, `count`, `off`) and, for the rate and repeat-offender rules, its
    /// limit and window; nil leaves a setting as it is.
    case setRule(name: String, action: String?, limit: Int? = nil, windowSeconds: Int? = nil)
    /// Start a recommendation pipeline run, optionally failing on purpose at a step.
    case rerunPipeline(failAt: String?)
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

    /// The audit trail's name for the action (`waf.block`…): one vocabulary for every way it arrives.
    public var auditName: String {
        switch self {
        case .block: "waf.block"
        case .unblock: "waf.unblock"
        case .setRule: "waf.rule"
        case .rerunPipeline: "pipeline.run"
        case .redrive: "queue.redrive"
        case .purge: "queue.purge"
        case .restock: "product.restock"
        case .createAPIKey: "api-key.create"
        case .createDrop: "drop.create"
        case .updateSchedule: "schedule.update"
        case .acknowledgeRepairs: "repair.acknowledge"
        }
    }
}

/// What an action did: a line for the event strip and the audit trail, and what it made, if anything.
public struct OperatorOutcome: Sendable, Equatable {
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

/// Why an action was refused, in words for the event strip, and the status an HTTP caller gets.
public struct OperatorError: Error, Equatable, CustomStringConvertible {
    public var status: Int
    public var description: String

    public init(_ status: Int, _ description: String) {
        self.status = status
        self.description = description
    }

    /// The refusal as the admin API answers it.
    var http: HTTPError {
        switch status {
        case 400: HTTPError.badRequest(description)
        case 403: HTTPError(status: 403, code: "forbidden", message: description)
        case 404: HTTPError.notFound(description)
        case 409: HTTPError(status: 409, code: "conflict", message: description)
        case 422: HTTPError.invalidField(description)
        default: HTTPError(status: 503, code: "unavailable", message: description, headers: ["Retry-After": "1"])
        }
    }

    /// A domain refusal (which still speaks HTTP) as an operator's.
    init(_ error: HTTPError) {
        self.init(error.status, error.message)
    }
}
