import Addressing
import Dashboard
import Broker
import Foundation
import Hashing
import HTTP
import Journal
import Shop
import Store
import Telemetry
import Workflow

/// The operator API under `/admin`: `Authorization: Bearer <token>` — the admin token for everything, the
/// viewer token for reading (GET) only; 401 without a token, 403 with a user's token or a viewer's change.
/// Every change goes through `Core.perform` and is recorded in the audit trail before it is answered.
struct AdminRoutes {
    let core: Core
    let gateway: Gateway
    let server: ServerReference

    private struct StockChange: Decodable { var stock: Int }
    private struct NewKey: Decodable {
        var name: String
        var rate: Double
        var burst: Int
        var dailyQuota: Int?
    }
    private struct NewDrop: Decodable {
        var productId: String
        var stock: Int
        var opensAt: String?
    }
    private struct RunRequest: Decodable { var failAt: String? }
    private struct ScheduleChange: Decodable {
        var expression: String?
        var enabled: Bool?
    }

    /// The role the request's token grants: the admin's or the viewer's; refuses anyone else.
    func authorize(_ request: HTTPRequest) throws(HTTPError) -> AccessTokens.Role {
        guard let token = request.bearerToken else {
            throw HTTPError(status: 401, code: "unauthenticated",
                            message: "send Authorization: Bearer <token> (the admin-token or viewer-token file in the data directory)",
                            headers: ["WWW-Authenticate": "Bearer"])
        }
        if let role = core.tokens.role(of: token) { return role }
        if core.accounts.isUserToken(token) { throw HTTPError(status: 403, code: "forbidden", message: "this needs the admin token, not a user token") }
        throw HTTPError(status: 401, code: "unauthenticated", message: "the token is not valid", headers: ["WWW-Authenticate": "Bearer"])
    }

    /// An admin route: authorization (a viewer reads only), then `handler` in a task.
    func route(_ handler: @escaping @Sendable (HTTPRequest, RequestContext) async throws -> HTTPResponse) -> RouteHandler {
        .deferred { [self] request, context throws(HTTPError) in
            let role = try authorize(request)
            if role == .viewer, request.method != "GET", request.method != "HEAD" {
                throw HTTPError(status: 403, code: "forbidden", message: "the viewer token can only read; changes need the admin token")
            }
            try Gateway.refuseRepeatedQueryParameters(request)
            return try await answering { try await handler(request, context) }
        }
    }

    /// Carries out an admin change through the one operations path (checks, audit), as the admin.
    func perform(_ action: OperatorAction, from caller: IPAddress? = nil) async throws(OperatorError) -> OperatorOutcome {
        try await core.perform(action, actor: "admin", from: caller)
    }

    func register(_ router: inout Router) {
        registerWAF(&router)
        registerRecommender(&router)
        registerOperations(&router)
        let core = self.core
        router.get("/admin/queues", route { _, _ in
            JSONBody.response(["items": core.queueStats().map(QueueView.init)])
        })
        router.post("/admin/queues/{name}/redrive", route { [self] _, context in
            let name = context.parameter("name")
            guard await core.broker.configuration(of: name) != nil else { throw HTTPError.notFound("no queue named \(name)") }
            return JSONBody.response(["moved": try await perform(.redrive(queue: name)).moved ?? 0])
        })
        router.post("/admin/queues/{name}/purge", route { [self] _, context in
            _ = try await perform(.purge(queue: context.parameter("name")))
            return .empty(status: 204)
        })

        router.get("/admin/pipelines", route { _, _ in
            JSONBody.response(["items": core.sagas.registeredSagas.map { ["name": $0, "steps": (core.sagas.steps(of: $0) ?? []).joined(separator: ",")] }])
        })
        router.post("/admin/pipelines/{name}/runs", route { request, context in
            let name = context.parameter("name")
            guard core.sagas.steps(of: name) != nil else { throw HTTPError.notFound("no pipeline named \(name)") }
            guard name == RecommendationPipeline.name else { throw HTTPError.invalidField("checkout runs once per order; place an order to start one") }
            let body = try JSONBody.decodeIfPresent(RunRequest.self, from: request)
            return JSONBody.response(["runId": try await perform(.rerunPipeline(failAt: body?.failAt)).runID ?? ""], status: 202)
        })
        router.get("/admin/runs", route { request, _ in
            let parameters = request.queryParameters
            var state: RunState?
            if let text = parameters["state"], !text.isEmpty {
                guard let parsed = RunState(rawValue: text) else {
                    throw HTTPError.invalidField("state must be one of \(RunState.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                state = parsed
            }
            let pipeline = parameters["pipeline"].flatMap { $0.isEmpty ? nil : $0 }
            let now = core.options.clock.now()
            let items = core.sagas.runs(saga: pipeline, state: state, limit: 200).map { RunView($0, now: now) }
            guard core.engines == nil else { return JSONBody.response(["items": items]) }
            // Instances share runs through the store, but each lists only those it drove: say so.
            return JSONBody.response(RunListing(items: items, scope: "runs this instance started or took over; GET /admin/runs/{id} reads any run from the store"))
        })
        router.get("/admin/runs/{id}", route { _, context in
            // On a shared store the run may be another instance's: read it there.
            guard let run = await core.sagas.lookUp(context.parameter("id")) else { throw HTTPError.notFound("no run \(context.parameter("id"))") }
            return JSONBody.response(RunView(run, now: core.options.clock.now()))
        })
        // Step Functions' redrive, and its counterpart for a run held after a failure: give up and undo.
        for (verb, action) in [("redrive", OperatorAction.redriveRun), ("abandon", OperatorAction.abandonRun)] {
            router.post("/admin/runs/{id}/\(verb)", route { [self] _, context in
                let outcome = try await perform(action(context.parameter("id")))
                return JSONBody.response(["runId": outcome.runID ?? "", "message": outcome.message], status: 202)
            })
        }

        router.get("/admin/schedules", route { _, _ in
            JSONBody.response(["items": core.scheduler.schedules().map(ScheduleView.init)])
        })
        router.put("/admin/schedules/{name}", route { [self] request, context in
            let name = context.parameter("name")
            let change = try JSONBody.decode(ScheduleChange.self, from: request)
            _ = try await perform(.updateSchedule(name: name, expression: change.expression, enabled: change.enabled))
            guard let status = core.scheduler.schedules().first(where: { $0.definition.name == name }) else { throw HTTPError.notFound("no schedule \(name)") }
            return JSONBody.response(ScheduleView(status))
        })

        router.post("/admin/api-keys", route { [self] request, _ in
            let body = try JSONBody.decode(NewKey.self, from: request)
            let outcome = try await perform(.createAPIKey(name: body.name, rate: body.rate, burst: body.burst, dailyQuota: body.dailyQuota))
            guard let key = core.apiKeys.all.first(where: { $0.id == outcome.createdID }) else { throw HTTPError.notFound("the new key is gone") }
            return JSONBody.response(view(key, secret: outcome.secret), status: 201)
        })
        router.get("/admin/api-keys", route { [self] _, _ in
            JSONBody.response(["items": core.apiKeys.all.map { view($0, secret: nil) }])
        })

        router.put("/admin/products/{id}/stock", route { [self] request, context in
            let id = context.parameter("id")
            let body = try JSONBody.decode(StockChange.self, from: request)
            _ = try await perform(.restock(productId: id, stock: body.stock))
            return JSONBody.response(try await core.catalog.product(id))
        })

        router.post("/admin/drops", route { [self] request, _ in
            let body = try JSONBody.decode(NewDrop.self, from: request)
            var opensAt: Date?
            if let text = body.opensAt {
                guard let parsed = Self.parseTimestamp(text) else { throw HTTPError.invalidField("opensAt must be an RFC 3339 time such as 2026-12-01T09:00:00Z") }
                opensAt = parsed
            }
            let outcome = try await perform(.createDrop(productId: body.productId, stock: body.stock, opensAt: opensAt))
            return JSONBody.response(try await core.drops.dropView(outcome.createdID ?? ""), status: 201)
        })

        router.post("/admin/repairs/acknowledge", route { [self] _, _ in
            JSONBody.response(["message": try await perform(.acknowledgeRepairs).message])
        })

        router.get("/admin/audit", route { request, _ in
            var since: UInt64 = 0
            if let text = request.queryParameters["since"], !text.isEmpty {
                guard let parsed = UInt64(text) else { throw HTTPError.invalidField("since must be a sequence number (0 or more)") }
                since = parsed
            }
            // On a shared backend with no `since`: every instance's entries, from the store, each naming its instance
            // (`seq` counts per instance; `since` reads this instance's own trail).
            if request.queryParameters["since"] == nil, let shared = try await core.shopWideAudit(limit: 500) {
                return JSONBody.response(AuditPage(items: shared.map { AuditView($0.entry, instance: $0.instance) }, verified: core.audit.verified,
                                                   scope: "every instance's entries, newest 500; this instance's own trail is verified"))
            }
            let page = AuditPage(items: core.audit.entries(since: since, limit: 500).map { AuditView($0) }, verified: core.audit.verified)
            return JSONBody.response(page)
        })
    }

    private struct AuditPage: Encodable {
        var items: [AuditView]
        var verified: Bool
        var scope: String?
    }

    private func view(_ key: APIKey, secret: String?) -> APIKeyView {
        APIKeyView(id: key.id, name: key.name, rate: key.plan.rate, burst: key.plan.burst, dailyQuota: key.plan.dailyQuota,
                   usedToday: gateway.throttle.usedToday(.apiKey(key.id), now: core.options.clock.now().timeIntervalSince1970),
                   createdAt: Logger.timestamp(key.createdAt), key: secret)
    }

    static func parseTimestamp(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
