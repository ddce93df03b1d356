import Addressing
import Foundation
import Journal
import Store
import Telemetry
import Workflow
import WAF

extension Core {
    /// Each component's health and counters, and the security-posture checks.
    /// - Parameters:
    ///   - listening: the HTTP address when a server is up (for the exposure check).
    ///   - openConnections: the HTTP server's open client connections.
    public func status(listening: SocketAddress?, openConnections: Int?) -> StatusReport {
        let store: StatusReport.Component
        if let storeStats = engines?.store.stats {
            store = StatusReport.Component(details: [
                "tables": storeStats.tables.count, "items": storeStats.liveItems, "liveBytes": storeStats.liveBytes,
            ].merging(Self.journalFigures(storeStats.journal)) { _, new in new })
        } else {
            var details: [String: any Sendable] = ["backend": backendName]
            if case .remote(_, _, _, let counts) = options.backend { details["requests"] = counts() }
            store = StatusReport.Component(details: details)
        }

        var visible = 0, inFlight = 0, deadLettered = 0
        let queues = queueStats()
        for stats in queues {
            visible += stats.visible
            inFlight += stats.inFlight
            deadLettered += stats.deadLetterQueue?.visible ?? 0
        }
        var brokerDetails: [String: any Sendable] = ["queues": queues.count, "visible": visible, "inFlight": inFlight, "deadLettered": deadLettered]
        if let journal = engines?.broker.journalStats { brokerDetails.merge(Self.journalFigures(journal)) { _, new in new } }
        if engines == nil { brokerDetails["backend"] = backendName; brokerDetails["countsAreApproximate"] = true }
        let broker = StatusReport.Component(details: brokerDetails)

        let schedules = scheduler.schedules()
        let scheduler = StatusReport.Component(details: [
            "schedules": schedules.count, "enabled": schedules.filter(\.definition.enabled).count, "deadLetters": self.scheduler.deadLetters().count,
        ])

        let recent = sagas.runs(limit: 100)
        var sagaDetails: [String: any Sendable] = [
            "running": sagas.activeRunCount,
            "failedRecently": recent.filter { $0.state == .failed }.count,
            "compensatedRecently": recent.filter { $0.state == .compensated }.count,
        ]
        if let journal = self.sagas.journalStats { sagaDetails.merge(Self.journalFigures(journal)) { _, new in new } }
        let sagas = StatusReport.Component(details: sagaDetails)

        var audit = StatusReport.Component(details: ["entries": self.audit.count, "verified": self.audit.verified])
        if let broken = self.audit.brokenAt {
            audit.health = .degraded
            audit.details["brokenAt"] = broken
        }

        let rules = waf.rules
        let waf = StatusReport.Component(details: ["rules": rules.count, "matched": rules.reduce(0) { $0 + $1.matched },
                                                  "blockedAddresses": self.waf.blockedAddresses().count])

        let model = recommendations.slot.current
        // A shop without a model yet is not unhealthy: best sellers answer until the first run publishes one.
        var recommender = StatusReport.Component(details: ["modelVersion": model?.version ?? 0, "algorithm": model?.servingName ?? "none",
                                                           "versionsOnDisk": recommendations.models.versions().count])
        if let model {
            recommender.details["trainedAt"] = Logger.timestamp(Date(timeIntervalSince1970: model.trainedAt))
            recommender.details["ndcg10"] = ((model.servingMetrics?.ndcg10 ?? 0) * 10_000).rounded() / 10_000
        }

        var gateway = StatusReport.Component(health: listening == nil ? .down : .ok, details: [:])
        if let listening { gateway.details["listen"] = listening.description }
        if let openConnections { gateway.details["openConnections"] = openConnections }
        gateway.details["trustedProxies"] = options.trustedProxies.count

        var components = ["store": store, "broker": broker, "scheduler": scheduler, "sagas": sagas, "audit": audit, "waf": waf,
                          "recommender": recommender, "gateway": gateway]
        recordRecovery(into: &components)
        return StatusReport(components: components, findings: findings(listening: listening?.description, exposed: listening.map { !$0.ip.isLoopback }))
    }

    /// The security-posture and health checks alone, from state the core keeps current (no directory is
    /// listed): what `/status` reports and the console's event strip shows.
    /// - Parameter exposed: whether the HTTP server listens beyond loopback, when one is up.
    public func findings(listening: String?, exposed: Bool? = nil) -> [StatusReport.Finding] {
        var findings: [StatusReport.Finding] = []
        for stats in queueStats() {
            if let dlq = stats.deadLetterQueue, dlq.visible > 0 {
                findings.append(.init(.warning, "\(dlq.visible) message(s) wait in dead-letter queue \(dlq.name) of \(stats.name); redrive once the cause is fixed"))
            }
        }
        let held = sagas.runs(saga: RecommendationPipeline.name, state: .failed, limit: 100)
        if let latest = held.first {
            let step = latest.steps.first { $0.state == .failed }?.name ?? "a compensation"
            findings.append(.init(.warning, "\(held.count) \(RecommendationPipeline.name) run(s) failed and are held; the latest, \(latest.runID), at "
                                  + "\(step): redrive it from there once the cause is fixed, or abandon it to undo what it made"))
        }
        let deadFires = scheduler.deadLetters()
        if let last = deadFires.last {
            findings.append(.init(.warning, "\(deadFires.count) scheduled fire(s) failed every retry; the last was \(last.schedule): \(last.error)"))
        }
        if let broken = audit.brokenAt {
            findings.append(.init(.critical, "the audit trail's hash chain breaks at entry \(broken): entries from there on may have been altered or removed"))
        }
        if let missing = audit.missingTail {
            findings.append(.init(.critical, "audit entries \(missing.lowerBound)–\(missing.upperBound) were acknowledged (the trail's anchor holds \(missing.upperBound)) "
                                  + "but are no longer in its journal: the end of the trail was cut off"))
        }
        if audit.anchorDamaged {
            findings.append(.init(.warning, "a slot of the audit trail's anchor (audit/ANCHOR) did not read back; the other slot was used"))
        }
        for rule in waf.rules where rule.action != .block {
            findings.append(.init(.warning, "WAF rule \(rule.name) is set to \(rule.action.rawValue): matching requests are not blocked"))
        }
        if recommendations.slot.current == nil {
            findings.append(.init(.info, "no recommendation model in service yet: shoppers get best sellers until a pipeline run publishes one"))
        }
        if options.trustedProxies.isEmpty {
            findings.append(.init(.warning, "no trusted TLS terminator is configured: shopdeck speaks plain HTTP, so put a TLS-terminating proxy in front and name it with --trusted-proxy"))
        }
        if let listening, exposed == true {
            findings.append(.init(.warning, "listening on \(listening), reachable from other machines over plain HTTP"))
        }
        findings += recoveryFindings()
        return findings
    }
}

extension Core {
    /// The journals' recovery as component details: a torn tail cut, holes a repair left; and the
    /// components an unacknowledged repair touched, degraded until an operator acknowledges it.
    func recordRecovery(into components: inout [String: StatusReport.Component]) {
        for (name, report) in recoveryReports {
            if let tail = report.droppedTail { components[name]?.details["tornTailCut"] = "\(tail.byteCount) bytes at \(tail.segment):\(tail.offset)" }
            if report.holes > 0 { components[name]?.details["recordsLostInRepair"] = report.holes }
        }
        for repair in repairs.withLock({ $0 }) where !repair.acknowledged {
            for loss in repair.losses {
                guard var component = components[loss.component] else { continue }
                component.health = max(component.health, .degraded)
                components[loss.component] = component
            }
        }
    }

    /// What recovery did at start, and the repairs not yet acknowledged, as findings.
    func recoveryFindings() -> [StatusReport.Finding] {
        var findings: [StatusReport.Finding] = []
        for (name, report) in recoveryReports {
            guard let tail = report.droppedTail else { continue }
            findings.append(.init(.info, "the \(name) journal cut a torn tail when it opened: \(tail.byteCount) bytes at \(tail.segment) "
                                  + "byte \(tail.offset) (\(tail.reason)), the writes in flight when the process stopped, never acknowledged"))
        }
        for repair in repairs.withLock({ $0 }) where !repair.acknowledged {
            let lost = repair.losses.map { loss -> String in
                let records = loss.firstRecord.map { first in "records \(first)–\(loss.lastRecord ?? first)" } ?? "no whole record"
                let touched = loss.affected.isEmpty ? "" : " (\(loss.affected.prefix(5).joined(separator: "; "))\(loss.affected.count > 5 ? "; …" : ""))"
                return "\(loss.component) \(records)\(touched)"
            }
            findings.append(.init(.critical, "a repair on \(Logger.timestamp(repair.at)) dropped what no longer read back: \(lost.joined(separator: ", ")); "
                                  + "the original files are in \(repair.savedIn). Check what was lost, then acknowledge with POST /admin/repairs/acknowledge"))
        }
        return findings
    }

    private var recoveryReports: [(String, RecoveryReport)] {
        [("audit", audit.recoveryReport), ("scheduler", scheduler.recoveryReport)]
            + (sagas.recoveryReport.map { [("sagas", $0)] } ?? [])
            + (engines.map { [("broker", $0.broker.recoveryReport), ("store", $0.store.recoveryReport)] } ?? [])
    }

    /// A journal's records and fsyncs so far, as each embedded engine reports them: records per order is what
    /// the durable path costs.
    static func journalFigures(_ journal: JournalStats) -> [String: any Sendable] {
        ["journalRecords": journal.recordsWritten, "fsyncs": journal.fsyncCount, "recordsPerFsync": (journal.averageBatch * 10).rounded() / 10]
    }
}
