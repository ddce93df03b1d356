import Dashboard
import Foundation
import HTTP
import Testing
@testable import Shop

/// Issue 17: every change an operator can make goes through one `perform`, with one audit entry of one
/// format (actor, the action's audit name, the outcome's line) — from the console and from the admin API.
@Suite struct OperationsPathTests {
    /// One sample of each action, in the order `index(of:)` numbers them.
    static let samples: [OperatorAction] = [
        .block(cidr: "203.0.113.0/24", reason: "scraping", ttlSeconds: 600),
        .unblock(cidr: "203.0.113.0/24"),
        .block(cidr: "198.51.100.7", reason: "probing", ttlSeconds: nil),
        .unblockMatching(source: "manual", within: "198.51.100.0/24"),
        .allow(cidr: "192.0.2.0/24", reason: "the office"),
        .disallow(cidr: "192.0.2.0/24"),
        .setRule(name: "rate-limit", action: "count", limit: 500, windowSeconds: 60),
        .rerunPipeline(failAt: nil),
        // A run held at catalog, then abandoned; one held at query, then redriven (the ids are the runs').
        .rerunPipeline(failAt: "catalog"),
        .abandonRun(runID: "the run above"),
        .rerunPipeline(failAt: "query"),
        .redriveRun(runID: "the run above"),
        .redrive(queue: "checkout"),
        .purge(queue: "notifications"),
        .restock(productId: "p1", stock: 77),
        .createAPIKey(name: "partner", rate: 10, burst: 20, dailyQuota: nil),
        .createDrop(productId: "p2", stock: 5, opensAt: nil),
        .updateSchedule(name: RecommendationPipeline.schedule, expression: nil, enabled: false),
        .rotateToken(role: "viewer"),
        // One model version at most here: ending a split is what is always allowed.
        .splitShoppers(percent: 0),
    ]

    /// Exhaustive on purpose: an action added without a sample here stops the build.
    static func index(of action: OperatorAction) -> Int {
        switch action {
        case .block: 0
        case .unblock: 1
        case .setRule: 2
        case .rerunPipeline: 3
        case .redrive: 4
        case .purge: 5
        case .restock: 6
        case .createAPIKey: 7
        case .createDrop: 8
        case .updateSchedule: 9
        case .acknowledgeRepairs: 10
        case .rotateToken: 11
        case .unblockMatching: 12
        case .allow: 13
        case .disallow: 14
        case .redriveRun: 15
        case .abandonRun: 16
        case .splitShoppers: 17
        }
    }

    @Test func everyActionWritesExactlyOneAuditEntryOfOneFormat() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let core = shop.core
        // Every action but acknowledging a repair has a sample; that one is refused here (no repair), below.
        #expect(Set(Self.samples.map(Self.index(of:))) == Set(0..<18).subtracting([10]))
        var lastRun: String?
        for var action in Self.samples {
            switch action {
            case .redriveRun, .abandonRun:
                let runID = try #require(lastRun)
                _ = try await core.sagas.waitForRun(runID)
                action = Self.index(of: action) == 15 ? .redriveRun(runID: runID) : .abandonRun(runID: runID)
            default: break
            }
            let before = core.audit.count
            let outcome = try await core.perform(action, actor: "admin")
            let written = core.audit.entries(since: before, limit: 10)
            #expect(written.count == 1, "\(action)")
            #expect(written.first?.actor == "admin" && written.first?.action == action.auditName && written.first?.detail == outcome.message, "\(action)")
            lastRun = outcome.runID ?? lastRun
        }
        // A refused action writes nothing.
        let before = core.audit.count
        await #expect(throws: OperatorError(.conflict, "no repair is waiting to be acknowledged")) { try await core.perform(.acknowledgeRepairs) }
        await #expect(throws: OperatorError.self) { try await core.perform(.restock(productId: "nope", stock: 1)) }
        #expect(core.audit.count == before)
    }

    /// The admin API's changing routes decode, perform and render: the same one entry per change.
    @Test func adminRoutesGoThroughTheSamePath() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let calls: [(String, String, String?, String)] = [
            ("POST", "/admin/queues/notifications/purge", nil, "queue.purge"),
            ("PUT", "/admin/products/p1/stock", #"{"stock":12}"#, "product.restock"),
            ("POST", "/admin/api-keys", #"{"name":"k","rate":1,"burst":2}"#, "api-key.create"),
            ("POST", "/admin/drops", #"{"productId":"p2","stock":3}"#, "drop.create"),
            ("PUT", "/admin/schedules/\(RecommendationPipeline.schedule)", #"{"enabled":false}"#, "schedule.update"),
            ("PUT", "/admin/waf/rules/rate-limit", #"{"limit":700}"#, "waf.rule"),
            ("POST", "/admin/waf/blocks", #"{"cidr":"198.51.100.0/24","reason":"x"}"#, "waf.block"),
            ("DELETE", "/admin/waf/blocks/198.51.100.0%2F24", nil, "waf.unblock"),
        ]
        for (method, target, body, expected) in calls {
            let before = shop.core.audit.count
            let response = try await shop.call(method, target, json: body, token: shop.adminToken)
            #expect(response.status < 300, "\(method) \(target): \(response.text)")
            let written = shop.core.audit.entries(since: before, limit: 10)
            #expect(written.map(\.action) == [expected], "\(method) \(target)")
            #expect(written.first?.actor == "admin")
        }
    }
}
