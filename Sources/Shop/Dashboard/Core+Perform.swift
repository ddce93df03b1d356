import Addressing
import Dashboard
import Broker
import Foundation
import Store
import Telemetry
import WAF
import Workflow

/// The one path for operator changes: each `OperatorAction` is checked and carried out here, and recorded in
/// the audit trail as one entry of one format — `actor`, `OperatorAction.auditName`, and the outcome's line.
extension Core {
    /// Carries out an operator's action and records it in the audit trail; returns what happened.
    ///
    /// `caller` is the address the action came from (the admin API's client), when there is one: a block
    /// covering it needs `force`.
    public func perform(_ action: OperatorAction, actor: String = "console", from caller: IPAddress? = nil) async throws(OperatorError) -> OperatorOutcome {
        let outcome = try await carryOut(action, caller: caller)
        do {
            try await audit.record(actor: actor, action: action.auditName, detail: outcome.message)
        } catch {
            throw OperatorError(.unavailable, "done, but the audit trail could not record it: \(error)")
        }
        return outcome
    }

    private func carryOut(_ action: OperatorAction, caller: IPAddress?) async throws(OperatorError) -> OperatorOutcome {
        switch action {
        case let .block(text, reason, ttl, force): try await block(text, reason: reason, ttl: ttl, force: force, caller: caller)
        case .unblock(let text): try await unblock(text)
        case let .unblockMatching(source, within): try await unblockMatching(source: source, within: within)
        case let .allow(text, reason): try await allow(text, reason: reason)
        case .disallow(let text): try await disallow(text)
        case let .setRule(name, ruleAction, limit, window, paranoia):
            try await setRule(name, action: ruleAction, limit: limit, windowSeconds: window, paranoia: paranoia)
        case .rerunPipeline(let failAt): try await rerunPipeline(failAt: failAt)
        case .redriveRun(let runID): try await redriveRun(runID)
        case .abandonRun(let runID): try await abandonRun(runID)
        case .redrive(let queue): try await redrive(queue)
        case .purge(let queue): try await purge(queue)
        case let .restock(id, stock): try await restock(id, to: stock)
        case let .createAPIKey(name, rate, burst, quota): try await createAPIKey(name: name, rate: rate, burst: burst, dailyQuota: quota)
        case let .createDrop(id, stock, opensAt): try await createDrop(productId: id, stock: stock, opensAt: opensAt)
        case let .updateSchedule(name, expression, enabled): try await updateSchedule(name, expression: expression, enabled: enabled)
        case .acknowledgeRepairs: try acknowledgeRepairs()
        case .rotateToken(let role): try rotateToken(role)
        case .splitShoppers(let percent): try await splitShoppers(percent)
        }
    }

    private func block(_ text: String, reason: String, ttl: Int?, force: Bool, caller: IPAddress?) async throws(OperatorError) -> OperatorOutcome {
        guard (1...200).contains(reason.count) else { throw OperatorError(.invalid, "reason must be 1 to 200 characters") }
        if let ttl, !(1...31_536_000).contains(ttl) { throw OperatorError(.invalid, "ttl must be 1 to 31536000 seconds (a year)") }
        let now = waf.now
        guard let block = WAFBlockSettings.block(parsing: text, reason: reason, source: WAFBlockSettings.operatorSource, createdAt: now,
                                                 expiresAt: ttl.map { now.addingTimeInterval(Double($0)) }) else {
            throw OperatorError(.invalid, "\(text) is not an IPv4 or IPv6 address or CIDR block")
        }
        if !force, let network = IPNetwork(block.cidr) {
            let widest = network.address.addressBytes.count == 4 ? 8 : 32
            if network.prefixLength < widest {
                throw OperatorError(.invalid, "\(block.cidr) is wider than a /\(widest) and would shut out a large part of the internet; "
                                    + "block it anyway with force (\"force\": true)")
            }
            if let caller, network.contains(caller) {
                throw OperatorError(.invalid, "\(block.cidr) covers your own address \(caller) and would shut you out; block it anyway with force (\"force\": true)")
            }
        }
        let existing = waf.blocks.list(now: now).contains { $0.cidr == block.cidr }
        guard existing || waf.blocks.count < IPBlockList.capacity else {
            throw OperatorError(.conflict, "the IP set is full (\(IPBlockList.capacity) blocks): remove some, or block a wider CIDR")
        }
        do throws(StoreError) {
            try await wafBlocks.add(block)
        } catch {
            throw OperatorError(.unavailable, "the block could not be saved: \(error)")
        }
        let detail = "\(block.cidr): \(block.reason)" + (ttl.map { " for \($0) s" } ?? "") + (force ? " (forced)" : "")
        return OperatorOutcome(message: (existing ? "updated the block of " : "blocked ") + detail, replaced: existing)
    }

    private func unblock(_ text: String) async throws(OperatorError) -> OperatorOutcome {
        guard let network = IPNetwork(text) else { throw OperatorError(.invalid, "\(text) is not an IPv4 or IPv6 address or CIDR block") }
        let removed: Bool
        do throws(StoreError) {
            removed = try await wafBlocks.remove(network)
        } catch {
            throw OperatorError(.unavailable, "the block could not be removed: \(error)")
        }
        guard removed else { throw OperatorError(.notFound, "no block for \(network.description)") }
        return OperatorOutcome(message: "unblocked \(network.description)")
    }

    private func setRule(_ name: String, action text: String?, limit: Int?, windowSeconds: Int?, paranoia: Int?) async throws(OperatorError) -> OperatorOutcome {
        guard waf.rules.contains(where: { $0.name == name }) else { throw OperatorError(.notFound, WAFError.unknownRule(name).description) }
        var ruleAction: RuleAction?
        if let text {
            guard let parsed = RuleAction(rawValue: text) else {
                throw OperatorError(.invalid, "action must be one of \(RuleAction.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            ruleAction = parsed
        }
        let tunable = wafRules.isTunable(name)
        if !tunable, limit != nil || windowSeconds != nil {
            throw OperatorError(.invalid, "only the action of \(name) can change (limit and windowSeconds belong to rate rules and \(RepeatOffenderRule.name))")
        }
        if let limit, !(1...1_000_000).contains(limit) { throw OperatorError(.invalid, "limit must be 1 to 1000000 requests") }
        if let windowSeconds, !(10...3600).contains(windowSeconds) { throw OperatorError(.invalid, "windowSeconds must be 10 to 3600") }
        let detector = AttackClass(rawValue: name) != nil
        if paranoia != nil, !detector {
            throw OperatorError(.invalid, "only detector rules (\(AttackClass.allCases.map(\.rawValue).joined(separator: ", "))) have a paranoia level")
        }
        if let paranoia, !(1...2).contains(paranoia) { throw OperatorError(.invalid, WAFError.paranoia(paranoia).description) }
        guard ruleAction != nil || limit != nil || windowSeconds != nil || paranoia != nil else {
            throw OperatorError(.invalid, tunable ? "send action, limit, windowSeconds or several" : detector ? "send action, paranoia or both" : "send action")
        }
        do {
            _ = try await wafRules.set(name, action: ruleAction, limit: limit, windowSeconds: windowSeconds, paranoia: paranoia)
        } catch {
            throw OperatorError(.unavailable, "the rule could not be saved: \(error)")
        }
        let changes = [ruleAction.map { "action \($0.rawValue)" }, limit.map { "limit \($0)" }, windowSeconds.map { "window \($0) s" },
                       paranoia.map { "paranoia level \($0)" }].compactMap { $0 }
        return OperatorOutcome(message: "\(name): " + changes.joined(separator: ", "))
    }

    private func rerunPipeline(failAt: String?) async throws(OperatorError) -> OperatorOutcome {
        let runID: String
        do throws(WorkflowError) {
            runID = try await sagas.start(RecommendationPipeline.name, failAt: failAt)
        } catch {
            if case .validation = error { throw OperatorError(.invalid, "\(error)") }
            throw OperatorError(.unavailable, "\(error)")
        }
        return OperatorOutcome(message: "started \(RecommendationPipeline.name) run \(runID)" + (failAt.map { " with a failure injected at \($0)" } ?? ""),
                               runID: runID)
    }

    private func redrive(_ queue: String) async throws(OperatorError) -> OperatorOutcome {
        // A queue with a dead-letter queue redrives from it; a dead-letter queue named itself, to its sources.
        guard let stats = try? await broker.stats(queue) else { throw OperatorError(.notFound, "no queue named \(queue)") }
        let deadLetters = stats.deadLetterQueue?.name ?? queue
        let moved: Int
        do throws(BrokerError) {
            moved = try await broker.redrive(deadLetterQueue: deadLetters)
        } catch {
            throw OperatorError(.invalid, "\(error)")
        }
        return OperatorOutcome(message: "redrove \(moved) message(s) from \(deadLetters) back to their queues", moved: moved)
    }

    private func purge(_ queue: String) async throws(OperatorError) -> OperatorOutcome {
        guard await broker.configuration(of: queue) != nil else { throw OperatorError(.notFound, "no queue named \(queue)") }
        let waiting = (try? await broker.stats(queue).visible) ?? 0
        do throws(BrokerError) {
            try await broker.purge(queue)
        } catch {
            throw OperatorError(ShopError.broker(error))
        }
        return OperatorOutcome(message: "purged \(queue) (\(waiting) message(s) waiting)")
    }

    private func restock(_ id: String, to stock: Int) async throws(OperatorError) -> OperatorOutcome {
        do throws(ShopError) {
            try await catalog.setStock(id, to: stock)
        } catch {
            throw OperatorError(error)
        }
        productChanged(id)
        return OperatorOutcome(message: "\(id) stock set to \(stock)")
    }

    private func createAPIKey(name: String, rate: Double, burst: Int, dailyQuota: Int?) async throws(OperatorError) -> OperatorOutcome {
        guard (1...64).contains(name.count) else { throw OperatorError(.invalid, "name must be 1 to 64 characters") }
        guard rate > 0, rate <= 100_000 else { throw OperatorError(.invalid, "rate must be above 0 and at most 100000 requests/s") }
        guard (1...1_000_000).contains(burst) else { throw OperatorError(.invalid, "burst must be 1 to 1000000") }
        if let dailyQuota, dailyQuota < 1 { throw OperatorError(.invalid, "dailyQuota must be at least 1 (or left out for none)") }
        let created: (APIKey, secret: String)
        do throws(StoreError) {
            created = try await apiKeys.create(name: name, plan: UsagePlan(rate: rate, burst: burst, dailyQuota: dailyQuota), now: options.clock.now())
        } catch {
            throw OperatorError(.unavailable, "the key could not be saved: \(error)")
        }
        return OperatorOutcome(message: "\(created.0.id) (\(name)): \(rate)/s, burst \(burst), daily quota \(dailyQuota.map(String.init) ?? "none")",
                               createdID: created.0.id, secret: created.secret)
    }

    private func createDrop(productId: String, stock: Int, opensAt: Date?) async throws(OperatorError) -> OperatorOutcome {
        let drop: DropView
        do throws(ShopError) {
            drop = try await drops.create(productId: productId, stock: stock, opensAt: opensAt)
        } catch {
            throw OperatorError(error)
        }
        return OperatorOutcome(message: "\(drop.dropId): \(stock) of \(productId) from \(drop.opensAt)", createdID: drop.dropId)
    }

    private func updateSchedule(_ name: String, expression: String?, enabled: Bool?) async throws(OperatorError) -> OperatorOutcome {
        guard expression != nil || enabled != nil else { throw OperatorError(.invalid, "send expression, enabled or both") }
        do throws(WorkflowError) {
            try await scheduler.updateSchedule(name, expression: expression, enabled: enabled)
        } catch {
            throw OperatorError(ShopError.workflow(error))
        }
        let changes = [expression.map { "expression \($0)" }, enabled.map { "enabled \($0)" }].compactMap { $0 }
        return OperatorOutcome(message: "\(name): " + changes.joined(separator: ", "))
    }

    private func rotateToken(_ text: String) throws(OperatorError) -> OperatorOutcome {
        guard let role = AccessTokens.Role(rawValue: text) else { throw OperatorError(.invalid, "role must be admin or viewer") }
        let token: String
        do throws(CoreError) {
            token = try tokens.rotate(role)
        } catch {
            throw OperatorError(.unavailable, error.description)
        }
        return OperatorOutcome(message: "rotated the \(role.rawValue) token; the old one no longer works", secret: token)
    }

    private func acknowledgeRepairs() throws(OperatorError) -> OperatorOutcome {
        let acknowledged: [RepairRecord]
        do throws(CoreError) {
            acknowledged = try RepairLog.acknowledgeAll(directory: options.dataDirectory, by: "operator", at: options.clock.now())
        } catch {
            throw OperatorError(.unavailable, error.description)
        }
        guard let first = acknowledged.first else { throw OperatorError(.conflict, "no repair is waiting to be acknowledged") }
        repairs.withLock { records in
            for index in records.indices where !records[index].acknowledged {
                records[index].acknowledgedAt = first.acknowledgedAt
                records[index].acknowledgedBy = "operator"
            }
        }
        let lost = acknowledged.flatMap(\.losses).reduce(0) { $0 + $1.recordCount }
        return OperatorOutcome(message: "acknowledged \(acknowledged.count) repair(s), \(lost) record(s) lost, from \(Logger.timestamp(first.at))")
    }
}
