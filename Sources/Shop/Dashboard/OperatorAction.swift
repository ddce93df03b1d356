import Broker
import Foundation
import HTTP
import Store
import Telemetry
import WAF
import Workflow

/// What an operator can do from the console — the same things the admin API does, checked the same way and
/// audited the same way.
public enum OperatorAction: Sendable, Equatable {
    /// Block an address or CIDR (IPv4 or IPv6), optionally for `ttlSeconds`. A block wider than a /8 (IPv4)
    /// or a /32 (IPv6), or one covering the caller's own address, needs `force`: one typo would lock out
    /// every shopper, or the operator.
    case block(cidr: String, reason: String, ttlSeconds: Int?, force: Bool = false)
    /// Remove a block (or let an address over a rate limit back in).
    case unblock(cidr: String)
    /// Start a recommendation pipeline run, optionally failing on purpose at a step.
    case rerunPipeline(failAt: String?)
    /// Move a queue's dead-lettered messages back to it.
    case redrive(queue: String)
    /// Switch a WAF rule to block, count or off.
    case setRule(name: String, action: RuleAction)
    /// Acknowledge what the data directory's repairs dropped, once checked: `/status` stops reporting them.
    case acknowledgeRepairs
}

/// What an action did: a line for the event strip, and the run it started, if it started one.
public struct OperatorOutcome: Sendable, Equatable {
    public var message: String
    public var runID: String?
    /// Messages a redrive moved.
    public var moved: Int?
    /// A block that replaced an existing block of the same CIDR (its reason and expiry), rather than adding one.
    public var replaced = false
}

/// Why an action was refused, in words for the event strip (and the status an HTTP caller would get).
public struct OperatorError: Error, Equatable, CustomStringConvertible {
    public var status: Int
    public var description: String

    init(_ status: Int, _ description: String) {
        self.status = status
        self.description = description
    }

    /// The refusal as the admin API answers it.
    var http: HTTPError {
        switch status {
        case 404: HTTPError.notFound(description)
        case 422: HTTPError.invalidField(description)
        case 409: HTTPError(status: 409, code: "conflict", message: description)
        default: HTTPError(status: 503, code: "unavailable", message: description, headers: ["Retry-After": "1"])
        }
    }
}

extension Core {
    /// Carries out an operator's action and records it in the audit trail; returns what happened in a line.
    ///
    /// `caller` is the address the action came from (the admin API's client), when there is one: a block
    /// covering it needs `force`.
    public func perform(_ action: OperatorAction, actor: String = "console", from caller: IPAddress? = nil) async throws(OperatorError) -> OperatorOutcome {
        let (event, detail, outcome) = try await carryOut(action, caller: caller)
        do {
            try await audit.record(actor: actor, action: event, detail: detail)
        } catch {
            throw OperatorError(503, "done, but the audit trail could not record it: \(error)")
        }
        return outcome
    }

    private func carryOut(_ action: OperatorAction, caller: IPAddress?) async throws(OperatorError) -> (event: String, detail: String, outcome: OperatorOutcome) {
        switch action {
        case .block(let text, let reason, let ttl, let force):
            guard (1...200).contains(reason.count) else { throw OperatorError(422, "reason must be 1 to 200 characters") }
            if let ttl, !(1...31_536_000).contains(ttl) { throw OperatorError(422, "ttl must be 1 to 31536000 seconds (a year)") }
            let now = waf.now
            guard let block = WAFBlockSettings.block(parsing: text, reason: reason, source: "manual", createdAt: now,
                                                     expiresAt: ttl.map { now.addingTimeInterval(Double($0)) }) else {
                throw OperatorError(422, "\(text) is not an IPv4 or IPv6 address or CIDR block")
            }
            if !force, let network = IPNetwork(block.cidr) {
                let widest = network.address.addressBytes.count == 4 ? 8 : 32
                if network.prefixLength < widest {
                    throw OperatorError(422, "\(block.cidr) is wider than a /\(widest) and would shut out a large part of the internet; "
                                        + "block it anyway with force (\"force\": true)")
                }
                if let caller, network.contains(caller) {
                    throw OperatorError(422, "\(block.cidr) covers your own address \(caller) and would shut you out; block it anyway with force (\"force\": true)")
                }
            }
            let existing = waf.blocks.list(now: now).contains { $0.cidr == block.cidr }
            guard existing || waf.blocks.count < IPBlockList.capacity else {
                throw OperatorError(409, "the IP set is full (\(IPBlockList.capacity) blocks): remove some, or block a wider CIDR")
            }
            do throws(StoreError) {
                try await wafBlocks.add(block)
            } catch {
                throw OperatorError(503, "the block could not be saved: \(error)")
            }
            let detail = "\(block.cidr): \(block.reason)" + (ttl.map { " for \($0) s" } ?? "") + (force ? " (forced)" : "")
            return (existing ? "waf.block.update" : "waf.block", detail,
                    OperatorOutcome(message: (existing ? "updated the block of " : "blocked ") + detail, replaced: existing))
        case .unblock(let text):
            guard let network = IPNetwork(text) else { throw OperatorError(422, "\(text) is not an IPv4 or IPv6 address or CIDR block") }
            let removed: Bool
            do throws(StoreError) {
                removed = try await wafBlocks.remove(network)
            } catch {
                throw OperatorError(503, "the block could not be removed: \(error)")
            }
            guard removed else { throw OperatorError(404, "no block for \(network.description)") }
            return ("waf.unblock", network.description, OperatorOutcome(message: "unblocked \(network.description)"))
        case .rerunPipeline(let failAt):
            let runID: String
            do throws(WorkflowError) {
                runID = try await sagas.start(RecommendationPipeline.name, failAt: failAt)
            } catch {
                if case .validation = error { throw OperatorError(422, "\(error)") }
                throw OperatorError(503, "\(error)")
            }
            let detail = "started \(RecommendationPipeline.name) run \(runID)" + (failAt.map { " with a failure injected at \($0)" } ?? "")
            return ("pipeline.run", detail, OperatorOutcome(message: detail, runID: runID))
        case .redrive(let queue):
            // A queue with a dead-letter queue redrives from it; a dead-letter queue named itself, to its sources.
            guard let stats = try? broker.stats(queue) else { throw OperatorError(404, "no queue named \(queue)") }
            let deadLetters = stats.deadLetterQueue?.name ?? queue
            let moved: Int
            do throws(BrokerError) {
                moved = try await broker.redrive(deadLetterQueue: deadLetters)
            } catch {
                throw OperatorError(422, "\(error)")
            }
            return ("queue.redrive", "moved \(moved) message(s) from \(deadLetters) back to their queues",
                    OperatorOutcome(message: "redrove \(moved) message(s) from \(deadLetters)", moved: moved))
        case .setRule(let name, let ruleAction):
            guard waf.rules.contains(where: { $0.name == name }) else { throw OperatorError(404, WAFError.unknownRule(name).description) }
            do {
                _ = try await wafRules.set(name, action: ruleAction, limit: nil, windowSeconds: nil)
            } catch {
                throw OperatorError(503, "the rule could not be saved: \(error)")
            }
            return ("waf.rule", "\(name) set to \(ruleAction.rawValue)", OperatorOutcome(message: "\(name) set to \(ruleAction.rawValue)"))
        case .acknowledgeRepairs:
            let acknowledged: [RepairRecord]
            do throws(CoreError) {
                acknowledged = try RepairLog.acknowledgeAll(directory: options.dataDirectory, by: "operator", at: options.clock.now())
            } catch {
                throw OperatorError(503, error.description)
            }
            guard !acknowledged.isEmpty else { throw OperatorError(409, "no repair is waiting to be acknowledged") }
            repairs.withLock { records in
                for index in records.indices where !records[index].acknowledged {
                    records[index].acknowledgedAt = acknowledged.first?.acknowledgedAt
                    records[index].acknowledgedBy = "operator"
                }
            }
            let lost = acknowledged.flatMap(\.losses).reduce(0) { $0 + $1.recordCount }
            let detail = "\(acknowledged.count) repair(s), \(lost) record(s) lost, from \(Logger.timestamp(acknowledged[0].at))"
            return ("repair.acknowledge", detail, OperatorOutcome(message: "acknowledged \(detail)"))
        }
    }
}
