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
            findings.append(.init(.critical, "the audit trail's hash chain breaks at entry \(broken): entries from there on may have been altered or removed"))
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
        return StatusReport(components: ["store": store, "broker": broker, "scheduler": scheduler, "sagas": sagas, "audit": audit, "waf": waf, "recommender": recommender, "gateway": gateway],
                            findings: findings)
    }
}
