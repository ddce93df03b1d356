import Dashboard
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization

/// The console's source over the admin API of a shop running elsewhere (`shopdeck console --connect`):
/// `GET /admin/dashboard` for snapshots, `POST /admin/actions` for actions. URLSession does the HTTP (DNS,
/// keep-alive, and TLS when the shop sits behind a TLS front).
final class RemoteDashboard: DashboardSource {
    private let base: URL
    private let token: String
    private let session: URLSession
    private let readOnlyRequested: Bool
    /// The role the shop last said the token has (`X-Shopdeck-Role`).
    private let role = Mutex<String?>(nil)

    init(base: URL, token: String, readOnly: Bool, timeoutSeconds: Double) {
        self.base = base
        self.token = token
        readOnlyRequested = readOnly
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeoutSeconds
        configuration.timeoutIntervalForResource = timeoutSeconds * 2
        configuration.httpMaximumConnectionsPerHost = 2
        session = URLSession(configuration: configuration)
    }

    var readOnly: Bool { readOnlyRequested || role.withLock { $0 } == "viewer" }

    func snapshot(focus: DashboardFocus?, windowSeconds: Int?) async throws(SourceError) -> DashboardSnapshot {
        var components = URLComponents(url: base.appendingPathComponent("admin/dashboard"), resolvingAgainstBaseURL: false)
        let items = [focus.map { URLQueryItem(name: "focus", value: $0.parameter) }, windowSeconds.map { URLQueryItem(name: "window", value: "\($0)") }]
        if !items.compactMap({ $0 }).isEmpty { components?.queryItems = items.compactMap { $0 } }
        guard let url = components?.url else { throw SourceError("\(base) is not a usable URL") }
        let (data, response) = try await exchange(URLRequest(url: url))
        guard response.statusCode == 200 else { throw SourceError(Self.refusal(response.statusCode, data)) }
        role.withLock { $0 = response.value(forHTTPHeaderField: DashboardCoding.roleHeader) }
        do {
            return try DashboardCoding.decoder.decode(DashboardSnapshot.self, from: data)
        } catch {
            throw SourceError("the shop's dashboard could not be read (\(error)); is it the same shopdeck version?")
        }
    }

    func perform(_ action: OperatorAction) async throws(OperatorError) -> OperatorOutcome {
        var request = URLRequest(url: base.appendingPathComponent("admin/actions"))
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try? DashboardCoding.encoder.encode(action)
        let data: Data, response: HTTPURLResponse
        do throws(SourceError) {
            (data, response) = try await exchange(request)
        } catch {
            throw OperatorError(.unavailable, error.description)
        }
        guard response.statusCode == 200 else { throw OperatorError(Self.kind(ofStatus: response.statusCode), Self.refusal(response.statusCode, data)) }
        guard let outcome = try? DashboardCoding.decoder.decode(OperatorOutcome.self, from: data) else {
            throw OperatorError(.unavailable, "the shop's answer to \(action.name) could not be read")
        }
        return outcome
    }

    /// The admin API's refusal as the kind the console knows.
    static func kind(ofStatus status: Int) -> OperatorError.Kind {
        switch status {
        case 400, 413, 415, 422: .invalid
        case 401, 403: .forbidden
        case 404: .notFound
        case 409: .conflict
        default: .unavailable
        }
    }

    /// One request with the token; a network failure becomes "cannot reach …".
    private func exchange(_ request: URLRequest) async throws(SourceError) -> (Data, HTTPURLResponse) {
        var request = request
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        do {
            let (data, response) = try await session.data(for: request)
            guard let http = response as? HTTPURLResponse else { throw SourceError("\(base) did not answer over HTTP") }
            return (data, http)
        } catch let error as SourceError {
            throw error
        } catch {
            throw SourceError("cannot reach \(base.absoluteString): \((error as NSError).localizedDescription)")
        }
    }

    /// The message of the shop's error body, or the status.
    static func refusal(_ status: Int, _ data: Data) -> String {
        let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        let message = (object?["error"] as? [String: Any])?["message"] as? String
        switch status {
        case 401: return "the token was refused (401): \(message ?? "not valid") — rotated? pass the current one with --token-file"
        default: return message.map { "\($0) (\(status))" } ?? "the shop answered \(status)"
        }
    }
}
