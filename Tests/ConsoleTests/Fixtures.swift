import Dashboard
import Foundation
@testable import Console

/// Dashboard snapshots for the console tests: an empty shop and a busy one, fixed to the second.
enum Fixtures {
    static let now = Date(timeIntervalSince1970: 1_796_000_000)

    static var empty: DashboardSnapshot {
        DashboardSnapshot(takenAt: now, listen: "127.0.0.1:8080", uptimeSeconds: 5,
                          traffic: TrafficSnapshot(requestsPerSecond: Array(repeating: 0, count: 300), errorsPerSecond: Array(repeating: 0, count: 300),
                                                   currentRate: 0, errorRate: 0, statusMix: [:], p50Microseconds: nil, p95Microseconds: nil,
                                                   p99Microseconds: nil, topRoutes: [], topClients: []),
                          wafBlocksLastMinute: 0, blocked: [], queues: [], runs: [],
                          recommender: .init(modelVersion: nil, algorithm: nil, trainedAt: nil, ndcgModel: nil, ndcgPopularity: nil, topSellers: [], trending: []),
                          events: [])
    }

    static var full: DashboardSnapshot {
        var snapshot = empty
        snapshot.uptimeSeconds = 3725
        snapshot.traffic = TrafficSnapshot(requestsPerSecond: (0..<300).map { Double(($0 * 37) % 90 + 10) }, errorsPerSecond: Array(repeating: 0, count: 300),
                                           currentRate: 412.5, errorRate: 0.012, statusMix: ["2xx": 120_345, "3xx": 0, "4xx": 2_210, "5xx": 14],
                                           p50Microseconds: 820, p95Microseconds: 4_100, p99Microseconds: 12_800,
                                           topRoutes: [.init(name: "GET /api/products/{id}", count: 9_120), .init(name: "GET /api/products", count: 3_004),
                                                       .init(name: "POST /api/orders", count: 640)],
                                           topClients: [.init(name: "127.0.3.17", count: 1_802), .init(name: "127.0.9.2", count: 911),
                                                        .init(name: "127.0.5.44", count: 230), .init(name: "127.0.6.1", count: 120)])
        snapshot.wafBlocksLastMinute = 37
        snapshot.blocked = [
            .init(cidr: "127.0.66.6/32", reason: "5 requests blocked by WAF rules within 300 s, the last by sqli", source: "sqli", hits: 42,
                  since: now.addingTimeInterval(-300), expires: now.addingTimeInterval(600)),
            .init(cidr: "127.0.9.2/32", reason: "611 requests in 300 s, over rate-limit's limit of 600", source: "rate-limit", hits: 11,
                  since: now.addingTimeInterval(-30), expires: now.addingTimeInterval(250)),
            .init(cidr: "203.0.113.0/24", reason: "scraper network", source: "manual", hits: 0, since: now.addingTimeInterval(-7200), expires: nil),
        ]
        snapshot.queues = [
            .init(name: "analytics", isFIFO: false, visible: 12, inFlight: 30, delayed: 0, deadLetterQueue: "analytics-dlq", deadLettered: 0,
                  oldestAgeSeconds: 2, sentPerSecond: 410, receivedPerSecond: 405),
            .init(name: "checkout", isFIFO: false, visible: 3, inFlight: 64, delayed: 0, deadLetterQueue: "checkout-dlq", deadLettered: 2,
                  oldestAgeSeconds: 75, sentPerSecond: 38.2, receivedPerSecond: 37.9),
            .init(name: "drop-entries.fifo", isFIFO: true, visible: 0, inFlight: 0, delayed: 0, deadLetterQueue: nil, deadLettered: 0,
                  oldestAgeSeconds: 0, sentPerSecond: 0, receivedPerSecond: 0),
        ]
        let steps = ["export", "catalog", "query", "train", "evaluate", "publish"]
        snapshot.runs = [
            .init(runID: "4f1c2a9e-0000", pipeline: "recommendations", state: .compensated,
                  steps: steps.enumerated().map { .init(name: $1, state: $0 < 3 ? .compensated : $0 == 3 ? .failed : .pending) }, startedAt: now.addingTimeInterval(-90),
                  error: "InjectedFault: failure injected at step train"),
            .init(runID: "9b77e001-0000", pipeline: "recommendations", state: .succeeded, steps: steps.map { .init(name: $0, state: .succeeded) },
                  startedAt: now.addingTimeInterval(-600), error: nil),
            .init(runID: "checkout-o-81", pipeline: "checkout", state: .running,
                  steps: [.init(name: "open", state: .succeeded), .init(name: "reserve", state: .running), .init(name: "authorise", state: .pending),
                          .init(name: "confirm", state: .pending)], startedAt: now, error: nil),
        ]
        snapshot.recommender = .init(modelVersion: 3, algorithm: "ease+next", trainedAt: now.addingTimeInterval(-600), ndcgModel: 0.2649, ndcgPopularity: 0.0298,
                                     topSellers: [.init(productId: "p12", name: "Organic Sencha, 100 g", value: 812), .init(productId: "p7", name: "抹茶 Matcha cookies, box of 12", value: 640),
                                                  .init(productId: "p3", name: "Cast-iron pan, 24 cm", value: 402)],
                                     trending: [.init(productId: "p44", name: "Yuzu gummies", value: 6.2), .init(productId: "p9", name: "Rain shell, M", value: 3.1)],
                                     earnings: [.init(version: 3, impressions: 4_210, cartAdds: 96, orders: 31, revenue: 412_350),
                                                .init(version: 2, impressions: 12_800, cartAdds: 201, orders: 58, revenue: 699_100)],
                                     confirmedOrders: 402)
        snapshot.events = [
            .init(at: now.addingTimeInterval(-60), kind: .audit, text: "waf.block: 203.0.113.0/24: scraper network"),
            .init(at: now.addingTimeInterval(-20), kind: .audit, text: "pipeline.run: started recommendations run 4f1c2a9e with a failure injected at train"),
            .init(at: now.addingTimeInterval(-5), kind: .info, text: "recommendations run 4f1c2a9e compensated at train after 1.2 s: InjectedFault"),
        ]
        snapshot.rules = [
            .init(name: "ip-block", kind: "ipset", action: "block", matched: 42, perMinute: Array(repeating: 0, count: 57) + [3, 9, 2]),
            .init(name: "rate-limit", kind: "rate", action: "block", matched: 611, perMinute: Array(repeating: 0, count: 50) + Array(repeating: 60, count: 10),
                  limit: 600, windowSeconds: 300),
            .init(name: "sqli", kind: "sqli", action: "block", matched: 17, perMinute: (0..<60).map { $0 % 7 == 0 ? 2 : 0 },
                  topFields: [.init(name: "query:q", count: 15), .init(name: "body:note", count: 2)]),
            .init(name: "traversal", kind: "traversal", action: "count", matched: 3, perMinute: []),
        ]
        snapshot.drops = [
            .init(dropId: "d-7f3a", product: "抹茶 Matcha cookies, box of 12", stock: 100, opensAt: now.addingTimeInterval(-600), entered: 812, numbered: 812,
                  soldOutAt: now.addingTimeInterval(-597)),
        ]
        snapshot.findings = [
            .init(at: now, kind: .warning, text: "1 message(s) wait in dead-letter queue checkout-dlq of checkout; redrive once the cause is fixed"),
            .init(at: now, kind: .warning, text: "no trusted TLS terminator is configured: shopdeck speaks plain HTTP, so put a TLS-terminating proxy in front and name it with --trusted-proxy"),
            .init(at: now, kind: .info, text: "no recommendation model in service yet"),
        ]
        snapshot.focused = FocusedDetail(focus: .product("p12"), boughtTogether: [
            .init(productId: "p13", name: "Tea strainer, steel", value: 0.61), .init(productId: "p7", name: "抹茶 Matcha cookies, box of 12", value: 0.34),
        ])
        return snapshot
    }

    /// `full` with the rows of one detail view, as the core adds them for a `DashboardFocus`.
    static func focused(on focus: DashboardFocus) -> DashboardSnapshot {
        var snapshot = full
        var detail = FocusedDetail(focus: focus)
        switch focus {
        case .client:
            detail.requests = (0..<12).map { (index: Int) -> FocusedDetail.RequestRow in
                let event = index % 3 == 0
                let status = index < 4 ? 403 : 200
                let microseconds = UInt64(300 + index * 70)
                return FocusedDetail.RequestRow(at: now.addingTimeInterval(Double(-index)), peer: "127.0.3.17", method: event ? "POST" : "GET",
                                                route: event ? "/api/events" : "/api/products/{id}", status: status, microseconds: microseconds)
            }
            detail.verdicts = [
                FocusedDetail.VerdictRow(at: now.addingTimeInterval(-1), clientIP: "127.0.3.17", method: "GET", path: "/api/products?q=1'+OR+'1'='1",
                                         rule: "sqli", action: "block", detail: "tautology in query parameter q", id: 41),
                FocusedDetail.VerdictRow(at: now.addingTimeInterval(-9), clientIP: "127.0.3.17", method: "POST", path: "/api/events",
                                         rule: "xss", action: "block", detail: "script tag in JSON field productId\n(second line)", id: 40),
            ]
            if case .client(let network) = focus {
                detail.dossier = Dossier(network: network, windowSeconds: 3600, accounts: [
                    .init(account: "u-2f9c41d0", signIns: 3, orders: 2, confirmedOrders: 2, revenue: 12_450, dropEntries: 1, lastSeen: now.addingTimeInterval(-30)),
                    .init(account: "u-77e1a9b3", signIns: 1, lastSeen: now.addingTimeInterval(-200)),
                    .init(account: "someone-with-a-long-address@example.com", failedSignIns: 7, lockouts: 1, lastSeen: now.addingTimeInterval(-5)),
                ], accountCount: 3)
            }
        case .queue:
            detail.messages = [
                FocusedDetail.MessageRow(id: "m-1", body: #"{"orderId":"o-81","userId":"u-3"}"#, sentAt: now.addingTimeInterval(-75), receiveCount: 3,
                                         groupID: nil, state: "in-flight"),
                FocusedDetail.MessageRow(id: "m-2", body: #"{"orderId":"o-82","userId":"u-9"}"#, sentAt: now.addingTimeInterval(-4), receiveCount: 0,
                                         groupID: nil, state: "visible"),
            ]
        case .product:
            return full
        case let .rulePreview(rule, action, limit):
            detail.preview = RulePreview(rule: rule, action: action ?? "block", limit: limit, basis: "the 41 matches in the WAF's log since 2026-12-01T00:40:00Z",
                                         effect: action == "block" || limit != nil ? .refused : .letThrough, requests: 41, addresses: [
                                            .init(address: "127.0.50.1", requests: 2, payingAccounts: ["u-2f9c41d0"], confirmedOrders: 3, revenue: 9_900),
                                            .init(address: "127.0.3.17", requests: 38),
                                            .init(address: "127.0.9.2", requests: 1),
                                         ], addressCount: 3)
        case .verdicts:
            detail.verdicts = [
                .init(at: now.addingTimeInterval(-1), clientIP: "127.0.3.17", method: "GET", path: "/api/products", rule: "sqli", action: "block",
                      detail: "tautology in ARGS:q: 1' OR '1'='1", repeats: 0, id: 41),
                .init(at: now.addingTimeInterval(-4), clientIP: "127.0.66.6", method: "POST", path: "/api/sessions", rule: "login-rate", action: "block",
                      detail: "21 requests in 300 s, limit 20", repeats: 12, id: 39),
                .init(at: now.addingTimeInterval(-30), clientIP: "127.0.9.2", method: "GET", path: "/static/../../etc/passwd", rule: "traversal", action: "count",
                      detail: "dot-dot-slash in REQUEST_FILENAME", id: 12),
            ]
        case .verdict(let id):
            detail.inspected = InspectedRequest(
                verdict: .init(at: now.addingTimeInterval(-1), clientIP: "127.0.3.17", method: "GET", path: "/api/products", rule: "sqli", action: "block",
                               detail: "tautology in ARGS:q: 1' OR '1'='1", id: id),
                target: "/api/products?q=1%27%20OR%20%271%27%3D%271&limit=5",
                headers: [["Host", "127.0.0.1:8080"], ["User-Agent", "sqlmap/1.8.4#stable (https://sqlmap.org)"], ["Accept", "*/*"]], headerCount: 3,
                body: "", bodyBytes: 0, field: "ARGS:q", shape: "tautology", excerpt: "1' OR '1'='1")
        case .log:
            detail.log = [
                .init(at: now.addingTimeInterval(-2), kind: "warning", actor: "core", text: "cannot read the drops for the console's flash-sale view"),
                .init(at: now.addingTimeInterval(-20), kind: "audit", actor: "console", text: "pipeline.run: started recommendations run 4f1c2a9e"),
                .init(at: now.addingTimeInterval(-60), kind: "audit", actor: "admin", text: "waf.block: blocked 203.0.113.0/24: scraper network"),
                .init(at: now.addingTimeInterval(-90), kind: "info", actor: "core", text: "recommendation pipeline started by its schedule runId=9b77e001"),
            ]
        }
        snapshot.focused = detail
        return snapshot
    }

    static func model(_ snapshot: DashboardSnapshot? = full, width: Int = 80, height: Int = 24, colour: Bool = true) -> ConsoleModel {
        var model = ConsoleModel(width: width, height: height, colour: colour, scenario: "mixed", rate: 40)
        model.snapshot = snapshot
        return model
    }
}
