import Dashboard
import Foundation
import HTTP
import Shop

/// What a console attached over HTTP uses: `GET /admin/dashboard[?focus=KIND:ID]` (the snapshot, to the
/// admin or viewer token) and `POST /admin/actions` (any operator action, admin token only); and
/// `POST /admin/tokens/{role}/rotate`.
extension AdminRoutes {
    func registerOperations(_ router: inout Router) {
        router.get("/admin/dashboard", route { [self] request, _ in
            var focus: DashboardFocus?
            if let text = request.queryParameters["focus"], !text.isEmpty {
                guard let parsed = DashboardFocus(parameter: text) else {
                    throw HTTPError.invalidField("focus must be client:ADDRESS, queue:NAME, product:ID, log:TEXT, verdicts:, verdict:ID "
                                                 + "or preview:RULE,ACTION,LIMIT")
                }
                focus = parsed
            }
            var window: Int?
            if let text = request.queryParameters["window"], !text.isEmpty {
                guard let seconds = Int(text), TrafficWindows.seconds.contains(seconds) else {
                    throw HTTPError.invalidField("window must be one of \(TrafficWindows.seconds.map(String.init).joined(separator: ", ")) (seconds)")
                }
                window = seconds
            }
            let snapshot = core.dashboard(listening: server.current?.address?.description, focus: focus, windowSeconds: window)
            guard let body = try? DashboardCoding.encoder.encode(snapshot) else {
                throw HTTPError(status: 500, code: "internal", message: "the dashboard could not be encoded")
            }
            // Which token this is, so an attached console knows whether its changing keys will be refused.
            var response = HTTPResponse.json(bytes: Array(body))
            response.headers.set(DashboardCoding.roleHeader, try authorize(request).rawValue)
            return response
        })
        router.post("/admin/actions", route { [self] request, context in
            let action = try decodeAction(request)
            let caller = gateway.addresses.clientIP(peer: context.peer.ip, forwardedFor: request.headers["X-Forwarded-For"])
            let outcome = try await perform(action, from: caller)
            guard let body = try? DashboardCoding.encoder.encode(outcome) else {
                throw HTTPError(status: 500, code: "internal", message: "the outcome could not be encoded")
            }
            return .json(bytes: Array(body))
        })
        router.post("/admin/tokens/{role}/rotate", route { [self] _, context in
            let role = context.parameter("role")
            let outcome = try await perform(.rotateToken(role: role))
            return JSONBody.response(["role": role, "token": outcome.secret ?? "", "message": outcome.message])
        })
    }

    /// An action from its JSON (`{"action":"block",…}`): 415 for another type, 400 for malformed JSON, 422
    /// naming what is missing or unknown.
    private func decodeAction(_ request: HTTPRequest) throws(HTTPError) -> OperatorAction {
        if let contentType = request.headers["Content-Type"], !contentType.lowercased().hasPrefix("application/json") {
            throw HTTPError(status: 415, code: "unsupported_media_type", message: "send the action as application/json")
        }
        guard !request.body.isEmpty else { throw HTTPError.badRequest("send an action, such as {\"action\":\"block\",\"cidr\":\"203.0.113.0/24\",\"reason\":\"…\"}") }
        do {
            return try DashboardCoding.decoder.decode(OperatorAction.self, from: Data(request.body))
        } catch let DecodingError.keyNotFound(key, _) {
            throw HTTPError.invalidField("\(key.stringValue) is required for this action")
        } catch let DecodingError.typeMismatch(_, context) {
            throw HTTPError.invalidField("\(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type")
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            throw HTTPError.invalidField(context.debugDescription)
        } catch {
            throw HTTPError.badRequest("the body is not valid JSON")
        }
    }
}
