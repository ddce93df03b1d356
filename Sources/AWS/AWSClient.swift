import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Sends an HTTP request and returns the answer; the seam tests replace to script AWS's answers.
public protocol AWSTransport: Sendable {
    func send(_ request: URLRequest) async throws -> (body: Data, status: Int, headers: [String: String])
}

/// `URLSession`: HTTPS with the system's CA bundle, keep-alive and HTTP/2 through libcurl.
public struct URLSessionTransport: AWSTransport {
    let session: URLSession

    public init(session: URLSession = URLSession(configuration: .ephemeral)) {
        self.session = session
    }

    public func send(_ request: URLRequest) async throws -> (body: Data, status: Int, headers: [String: String]) {
        // In a task of its own, which a caller's cancellation does not reach: cancelling a task inside
        // FoundationNetworking's `data(for:)` deadlocked on Linux (URLSessionTask.cancel waits on the
        // session's queue while that queue waits on the task's status lock to resume it) — seen as a
        // `serve --backend aws` that never finished closing. The request ends by its own timeout instead.
        let session = self.session
        let (data, response) = try await Task.detached { try await session.data(for: request) }.value
        guard let http = response as? HTTPURLResponse else { return (data, 0, [:]) }
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields { if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value } }
        return (data, http.statusCode, headers)
    }
}

/// How long to wait before the next attempt, and how many attempts there are: exponential backoff with full
/// jitter (a uniformly random wait up to `base × 2^attempt`, capped), as AWS's architecture guidance
/// recommends so that throttled clients do not retry in lock-step.
public struct RetryPolicy: Sendable, Equatable {
    public var maximumAttempts: Int
    public var baseSeconds: Double
    public var capSeconds: Double

    public init(maximumAttempts: Int = 5, baseSeconds: Double = 0.05, capSeconds: Double = 5) {
        self.maximumAttempts = maximumAttempts
        self.baseSeconds = baseSeconds
        self.capSeconds = capSeconds
    }

    /// The wait before attempt `attempt + 1` (the first retry is attempt 1), drawn from `random`.
    public func delay(afterAttempt attempt: Int, using random: inout some RandomNumberGenerator) -> Double {
        let ceiling = min(capSeconds, baseSeconds * Double(1 << min(attempt, 20)))
        return Double.random(in: 0...ceiling, using: &random)
    }
}

/// Waits between attempts; tests inject one that records instead of sleeping.
public protocol RetryPacer: Sendable {
    func pause(seconds: Double) async
}

/// Really waits.
public struct SleepingPacer: RetryPacer {
    public init() {}
    public func pause(seconds: Double) async { try? await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000)) }
}

/// A client for AWS's two wire protocols the shop needs: JSON 1.0 (DynamoDB, SQS: a signed POST with
/// `X-Amz-Target: <API>.<Operation>` and a JSON body; errors as `{"__type": "…#Code", "message": …}`) and
/// the query protocol (SNS: a signed form POST with `Action=…&Version=…`, answers and errors in XML).
/// Retries what is worth retrying (throttling, 5xx, a failed connection) under `policy`.
public final class AWSClient: Sendable {
    public let configuration: AWSConfiguration
    let transport: any AWSTransport
    let pacer: any RetryPacer
    public let policy: RetryPolicy
    let clock: @Sendable () -> Date
    /// Requests sent (attempts, retries included), by `service operation`: what AWS bills.
    private let sent = Mutex<[String: Int]>([:])

    /// Requests sent so far by `service operation` (`dynamodb PutItem`, `sqs ReceiveMessage`), retries
    /// included — each is billed.
    public var requestCounts: [String: Int] { sent.withLock { $0 } }

    public init(configuration: AWSConfiguration, transport: any AWSTransport = URLSessionTransport(), pacer: any RetryPacer = SleepingPacer(),
                policy: RetryPolicy = RetryPolicy(), clock: @escaping @Sendable () -> Date = { Date() }) {
        self.configuration = configuration
        self.transport = transport
        self.pacer = pacer
        self.policy = policy
        self.clock = clock
    }

    /// Calls `operation` of `service` (`target` is `DynamoDB_20120810.GetItem` or `AmazonSQS.SendMessage`)
    /// with `body`, and returns the answer's JSON bytes.
    public func call(_ service: AWSService, target: String, body: Data, resource: String? = nil) async throws(AWSError) -> Data {
        let call = AWSCall(service: service, operation: String(target.split(separator: ".").last ?? Substring(target)), resource: resource)
        return try await retrying(call, contentType: "application/x-amz-json-1.0", target: target, body: body, error: Self.serviceError)
    }

    /// Calls `action` of a query-protocol service (SNS, API version `version`) with `parameters`, and
    /// returns the answer's XML document.
    public func query(_ service: AWSService, action: String, version: String, parameters: [(name: String, value: String)],
                      resource: String? = nil) async throws(AWSError) -> AWSXML {
        let call = AWSCall(service: service, operation: action, resource: resource)
        let form = ([("Action", action), ("Version", version)] + parameters).map { "\(Self.formEncode($0.0))=\(Self.formEncode($0.1))" }
            .joined(separator: "&")
        let data = try await retrying(call, contentType: "application/x-www-form-urlencoded; charset=utf-8", target: nil, body: Data(form.utf8),
                                      error: Self.queryError)
        guard let document = AWSXML.parse(data) else { throw .malformedResponse(call, reason: "the answer is not XML") }
        return document
    }

    private func retrying(_ call: AWSCall, contentType: String, target: String?, body: Data,
                          error parse: (AWSCall, (body: Data, status: Int, headers: [String: String])) -> AWSError) async throws(AWSError) -> Data {
        var random = SystemRandomNumberGenerator()
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await once(call, contentType: contentType, target: target, body: body, error: parse)
            } catch {
                guard error.isRetryable, attempt < policy.maximumAttempts else { throw error }
                await pacer.pause(seconds: policy.delay(afterAttempt: attempt, using: &random))
            }
        }
    }

    private func once(_ call: AWSCall, contentType: String, target: String?, body: Data,
                      error parse: (AWSCall, (body: Data, status: Int, headers: [String: String])) -> AWSError) async throws(AWSError) -> Data {
        let service = call.service
        let endpoint = configuration.endpoint(service)
        var host = endpoint.host ?? ""
        if let port = endpoint.port { host += ":\(port)" }
        var headers: [(name: String, value: String)] = [("Host", host), ("Content-Type", contentType)]
        if let target { headers.append(("X-Amz-Target", target)) }
        let signer = SigV4Signer(credentials: configuration.credentials, region: configuration.region, service: service.signingName)
        let path = endpoint.path.isEmpty ? "/" : endpoint.path
        let signed = headers + signer.signatureHeaders(for: SignableRequest(method: "POST", path: path, headers: headers, body: Array(body)), at: clock())
        var request = URLRequest(url: endpoint)
        request.httpMethod = "POST"
        request.httpBody = body
        request.timeoutInterval = 30
        for (name, value) in signed where name != "Host" { request.setValue(value, forHTTPHeaderField: name) }
        sent.withLock { $0["\(call.service.rawValue) \(call.operation)", default: 0] += 1 }
        let answer: (body: Data, status: Int, headers: [String: String])
        do {
            answer = try await transport.send(request)
        } catch {
            throw .transport(call, reason: "\(error)")
        }
        guard (200..<300).contains(answer.status) else { throw parse(call, answer) }
        return answer.body
    }

    /// `application/x-www-form-urlencoded` as AWS reads it: RFC 3986's unreserved characters as they are,
    /// everything else percent-encoded (a space as `%20`).
    static func formEncode(_ text: String) -> String { SigV4Signer.encode(text) }

    /// A query-protocol error: `<ErrorResponse><Error><Code>…</Code><Message>…</Message></Error></ErrorResponse>`.
    static func queryError(_ call: AWSCall, _ answer: (body: Data, status: Int, headers: [String: String])) -> AWSError {
        let document = AWSXML.parse(answer.body)
        let error = document?.first("Error")
        return .service(call, status: answer.status, code: error?.first("Code")?.text ?? "HTTP\(answer.status)",
                        message: error?.first("Message")?.text ?? String(decoding: answer.body.prefix(300), as: UTF8.self), body: answer.body)
    }

    /// The error an answer carries: its code from `__type` (after `#`, before any `:`), or from the
    /// `x-amzn-errortype` header, and its message. An XML error document instead of JSON (what an
    /// authentication layer in front of the service may send — moto's does for a bad signature) is read as
    /// the query protocol's.
    static func serviceError(_ call: AWSCall, _ answer: (body: Data, status: Int, headers: [String: String])) -> AWSError {
        let json = (try? JSONSerialization.jsonObject(with: answer.body)) as? [String: Any]
        if json == nil, answer.headers["x-amzn-errortype"] == nil, answer.body.first == UInt8(ascii: "<") { return queryError(call, answer) }
        let object = json ?? [:]
        let type = object["__type"] as? String ?? answer.headers["x-amzn-errortype"] ?? "HTTP\(answer.status)"
        let code = String(type.split(separator: "#").last ?? Substring(type)).split(separator: ":").first.map(String.init) ?? type
        let message = object["message"] as? String ?? object["Message"] as? String
            ?? String(decoding: answer.body.prefix(300), as: UTF8.self)
        return .service(call, status: answer.status, code: code, message: message, body: answer.body)
    }
}
