import Foundation
import HTTP
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
        var findings: [StatusReport.Finding] = []

        let storeStats = store.stats
        let store = StatusReport.Component(details: [
            "tables": storeStats.tables.count, "items": storeStats.liveItems, "liveBytes": storeStats.liveBytes,
            "journalRecords": storeStats.journal.recordsWritten, "fsyncs": storeStats.journal.fsyncCount,
            "recordsPerFsync": (storeStats.journal.averageBatch * 10).rounded() / 10,
        ])

        var visible = 0, inFlight = 0, deadLettered = 0
        let queueNames = broker.queueNames()
        for name in queueNames {
            guard let stats = try? broker.stats(name) else { continue }
            visible += stats.visible
            inFlight += stats.inFlight
            if let dlq = stats.deadLetterQueue, dlq.visible > 0 {
                deadLettered += dlq.visible
                findings.append(.init(.warning, "\(dlq.visible) message(s) wait in dead-letter queue \(dlq.name) of \(name); redrive once the cause is fixed"))
            }
        }
        let broker = StatusReport.Component(details: ["queues": queueNames.count, "visible": visible, "inFlight": inFlight, "deadLettered": deadLettered])

        let deadFires = scheduler.deadLetters()
        if let last = deadFires.last {
            findings.append(.init(.warning, "\(deadFires.count) scheduled fire(s) failed every retry; the last was \(last.schedule): \(last.error)"))
        }
        let schedules = scheduler.schedules()
        let scheduler = StatusReport.Component(details: [
            "schedules": schedules.count, "enabled": schedules.filter(\.definition.enabled).count, "deadLetters": deadFires.count,
        ])

        let recent = sagas.runs(limit: 100)
        let sagas = StatusReport.Component(details: [
            "running": sagas.activeRunCount,
            "failedRecently": recent.filter { $0.state == .failed }.count,
            "compensatedRecently": recent.filter { $0.state == .compensated }.count,
        ])

        var audit = StatusReport.Component(details: ["entries": self.audit.count, "verified": self.audit.verified])
        if let broken = self.audit.brokenAt {
            audit.health = .degraded
            audit.details["brokenAt"] = broken
            findings.append(.init(.critical, "the audit trail's hash chain breaks at entry \(broken): entries from there on may have been altered or removed"))
        }
        if let missing = self.audit.missingTail {
            findings.append(.init(.critical, "audit entries \(missing.lowerBound)–\(missing.upperBound) were acknowledged (the trail's anchor holds \(missing.upperBound)) "
                                  + "but are no longer in its journal: the end of the trail was cut off"))
        }
        if self.audit.anchorDamaged {
            findings.append(.init(.warning, "a slot of the audit trail's anchor (audit/ANCHOR) did not read back; the other slot was used"))
        }

        let rules = waf.rules
        let waf = StatusReport.Component(details: ["rules": rules.count, "matched": rules.reduce(0) { $0 + $1.matched },
                                                  "blockedAddresses": self.waf.blockedAddresses().count])
        for rule in rules where rule.action != .block {
            findings.append(.init(.warning, "WAF rule \(rule.name) is set to \(rule.action.rawValue): matching requests are not blocked"))
        }

        let model = recommendations.slot.current
        // A shop without a model yet is not unhealthy: best sellers answer until the first run publishes one.
        var recommender = StatusReport.Component(details: ["modelVersion": model?.version ?? 0, "algorithm": model?.algorithm.rawValue ?? "none",
                                                           "versionsOnDisk": recommendations.models.versions().count])
        if let model {
            recommender.details["trainedAt"] = Logger.timestamp(Date(timeIntervalSince1970: model.trainedAt))
            recommender.details["ndcg10"] = ((model.metrics[model.algorithm.rawValue]?.ndcg10 ?? 0) * 10_000).rounded() / 10_000
        } else {
            findings.append(.init(.info, "no recommendation model in service yet: shoppers get best sellers until a pipeline run publishes one"))
        }

        var gateway = StatusReport.Component(health: listening == nil ? .down : .ok, details: [:])
        if let listening { gateway.details["listen"] = listening.description }
        if let openConnections { gateway.details["openConnections"] = openConnections }
        gateway.details["trustedProxies"] = options.trustedProxies.count

        if options.trustedProxies.isEmpty {
            findings.append(.init(.warning, "no trusted TLS terminator is configured: shopdeck speaks plain HTTP, so put a TLS-terminating proxy in front and name it with --trusted-proxy"))
        }
        if let listening, !listening.ip.isLoopback {
            findings.append(.init(.warning, "listening on \(listening), reachable from other machines over plain HTTP"))
        }
        var components = ["store": store, "broker": broker, "scheduler": scheduler, "sagas": sagas, "audit": audit, "waf": waf,
                          "recommender": recommender, "gateway": gateway]
        reportRecovery(into: &components, findings: &findings)
        return StatusReport(components: components, findings: findings)
    }
}

extension Core {
    /// What the journals' recovery did at start (a torn tail cut, holes left by a repair) and the repairs not
    /// yet acknowledged: the components they touched are degraded until an operator acknowledges them.
    func reportRecovery(into components: inout [String: StatusReport.Component], findings: inout [StatusReport.Finding]) {
        let reports = ["store": store.recoveryReport, "broker": broker.recoveryReport, "sagas": sagas.recoveryReport,
                       "scheduler": scheduler.recoveryReport, "audit": audit.recoveryReport]
        for (name, report) in reports.sorted(by: { $0.key < $1.key }) {
            if let tail = report.droppedTail {
                components[name]?.details["tornTailCut"] = "\(tail.byteCount) bytes at \(tail.segment):\(tail.offset)"
                findings.append(.init(.info, "the \(name) journal cut a torn tail when it opened: \(tail.byteCount) bytes at \(tail.segment) "
                                      + "byte \(tail.offset) (\(tail.reason)), the writes in flight when the process stopped, never acknowledged"))
            }
            if report.holes > 0 { components[name]?.details["recordsLostInRepair"] = report.holes }
        }
        for repair in repairs.withLock({ $0 }) where !repair.acknowledged {
            for loss in repair.losses {
                guard var component = components[loss.component] else { continue }
                component.health = max(component.health, .degraded)
                components[loss.component] = component
            }
            let lost = repair.losses.map { loss -> String in
                let records = loss.firstRecord.map { first in "records \(first)–\(loss.lastRecord ?? first)" } ?? "no whole record"
                let touched = loss.affected.isEmpty ? "" : " (\(loss.affected.prefix(5).joined(separator: "; "))\(loss.affected.count > 5 ? "; …" : ""))"
                return "\(loss.component) \(records)\(touched)"
            }
            findings.append(.init(.critical, "a repair on \(Logger.timestamp(repair.at)) dropped what no longer read back: \(lost.joined(separator: ", ")); "
                                  + "the original files are in \(repair.savedIn). Check what was lost, then acknowledge with POST /admin/repairs/acknowledge"))
        }
    }
}
