import Shop
import Telemetry
import WAF

/// What the WAF's admin endpoints answer with.
extension AdminRoutes {
    struct RuleView: Encodable {
        var name: String
        var kind: String
        var action: String
        var matched: Int
        var limit: Int?
        var windowSeconds: Int?
        var scope: String?
        /// Detector families: 1 (default) or 2.
        var paranoia: Int?

        init(_ status: RuleStatus) {
            paranoia = status.paranoia
            name = status.name
            kind = status.kind
            action = status.action.rawValue
            matched = status.matched
            limit = status.limit
            windowSeconds = status.windowSeconds
            scope = status.scope
        }
    }

    struct VerdictView: Encodable {
        var at: String
        var clientIP: String
        var method: String
        var path: String
        var rule: String
        var action: String
        var detail: String
        /// The detection rule's stable identifier, severity and message (detector verdicts only).
        var ruleId: Int?
        var severity: String?
        var message: String?
        var field: String?
        var shape: String?
        var excerpt: String?
        var repeats: Int

        init(_ record: VerdictRecord) {
            at = Logger.timestamp(record.at)
            clientIP = record.clientIP
            method = record.method
            path = record.path
            rule = record.rule
            action = record.action.rawValue
            detail = record.detail
            ruleId = record.detection?.rule.id
            severity = record.detection?.rule.severity.rawValue
            message = record.detection?.rule.message
            field = record.detection?.field
            shape = record.detection?.shape
            excerpt = record.detection?.excerpt
            repeats = record.repeats
        }
    }

    struct BlockedClientView: Encodable {
        var ip: String
        var blocks: Int
        var lastRule: String
        var lastAt: String

        init(_ client: BlockedClient) {
            ip = client.clientIP
            blocks = client.blocks
            lastRule = client.lastRule
            lastAt = Logger.timestamp(client.lastAt)
        }
    }

    struct StatsView: Encodable {
        /// Blocks per minute over the last hour, oldest first, by rule.
        var blocksPerMinute: [String: [Int]]
        var topBlockedIPs: [BlockedClientView]
    }

    struct BlockView: Encodable {
        var cidr: String
        var reason: String
        var source: String
        var createdAt: String
        var expiresAt: String?
        var hits: Int

        init(_ block: IPBlock) {
            cidr = block.cidr
            reason = block.reason
            source = block.source
            createdAt = Logger.timestamp(block.createdAt)
            expiresAt = block.expiresAt.map(Logger.timestamp)
            hits = block.hits
        }
    }
}
