import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
import Testing
@testable import AWS

/// A transport that answers from a script and records what it was sent.
final class ScriptedTransport: AWSTransport {
    enum Answer: Sendable {
        case http(Int, String)
        case failure(String)
    }

    struct Failure: Error, CustomStringConvertible { let description: String }

    private let state: Mutex<(answers: [Answer], sent: [URLRequest])>

    init(_ answers: [Answer]) { state = Mutex((answers, [])) }

    var sent: [URLRequest] { state.withLock { $0.sent } }

    func send(_ request: URLRequest) async throws -> (body: Data, status: Int, headers: [String: String]) {
        let answer = state.withLock { state -> Answer in
            state.sent.append(request)
            return state.answers.isEmpty ? .http(500, "{}") : state.answers.removeFirst()
        }
        switch answer {
        case let .http(status, body): return (Data(body.utf8), status, [:])
        case let .failure(reason): throw Failure(description: reason)
        }
    }
}

/// Records the waits between attempts instead of sleeping.
final class RecordingPacer: RetryPacer {
    let pauses = Mutex<[Double]>([])
    func pause(seconds: Double) async { pauses.withLock { $0.append(seconds) } }
}

@Suite struct AWSClientTests {
    static let configuration = AWSConfiguration(region: "eu-west-1", credentials: AWSCredentials(accessKeyID: "AKID", secretAccessKey: "secret"),
                                                endpoints: [.dynamodb: URL(string: "http://127.0.0.1:5055")!])

    func client(_ transport: ScriptedTransport, _ pacer: RecordingPacer, attempts: Int = 5) -> AWSClient {
        AWSClient(configuration: Self.configuration, transport: transport, pacer: pacer,
                      policy: RetryPolicy(maximumAttempts: attempts, baseSeconds: 0.05, capSeconds: 1), clock: { Date(timeIntervalSince1970: 1_765_000_000) })
    }

    @Test func aCallIsASignedJSONPostWithItsTarget() async throws {
        let transport = ScriptedTransport([.http(200, #"{"Item":{}}"#)])
        let answer = try await client(transport, RecordingPacer()).call(.dynamodb, target: "DynamoDB_20120810.GetItem", body: Data(#"{"TableName":"t"}"#.utf8))
        #expect(String(decoding: answer, as: UTF8.self) == #"{"Item":{}}"#)
        let request = try #require(transport.sent.first)
        #expect(request.httpMethod == "POST" && request.url?.absoluteString == "http://127.0.0.1:5055")
        #expect(request.value(forHTTPHeaderField: "X-Amz-Target") == "DynamoDB_20120810.GetItem")
        #expect(request.value(forHTTPHeaderField: "Content-Type") == "application/x-amz-json-1.0")
        #expect(request.value(forHTTPHeaderField: "X-Amz-Date") == "20251206T054640Z")
        let authorization = try #require(request.value(forHTTPHeaderField: "Authorization"))
        #expect(authorization.hasPrefix("AWS4-HMAC-SHA256 Credential=AKID/20251206/eu-west-1/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature="))
    }

    @Test func throttlingServerErrorsAndLostConnectionsAreRetriedWithJitteredBackoff() async throws {
        let transport = ScriptedTransport([
            .http(400, #"{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"slow down"}"#),
            .http(500, #"{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"oops"}"#),
            .failure("connection reset"),
            .http(200, "{}"),
        ])
        let pacer = RecordingPacer()
        let client = client(transport, pacer)
        _ = try await client.call(.dynamodb, target: "DynamoDB_20120810.PutItem", body: Data("{}".utf8), resource: "orders")
        #expect(transport.sent.count == 4)
        #expect(client.requestCounts == ["dynamodb PutItem": 4], "every attempt is a billed request")
        let pauses = pacer.pauses.withLock { $0 }
        #expect(pauses.count == 3)
        // Full jitter: each wait lies between 0 and base × 2^attempt (0.1, 0.2, 0.4 s).
        for (index, pause) in pauses.enumerated() { #expect(pause >= 0 && pause <= 0.05 * Double(1 << (index + 1)), "\(pauses)") }
    }

    @Test func aClientErrorFailsAtOnceNamingTheResourceAndTheCode() async throws {
        let transport = ScriptedTransport([.http(400, #"{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}"#)])
        let pacer = RecordingPacer()
        do {
            _ = try await client(transport, pacer).call(.dynamodb, target: "DynamoDB_20120810.PutItem", body: Data("{}".utf8), resource: "stock")
            Issue.record("a failed condition answered")
        } catch {
            #expect(error.code == "ConditionalCheckFailedException" && error.call == AWSCall(service: .dynamodb, operation: "PutItem", resource: "stock"))
            #expect(error.description == "dynamodb PutItem on stock: ConditionalCheckFailedException (HTTP 400): The conditional request failed")
        }
        #expect(transport.sent.count == 1 && pacer.pauses.withLock { $0.isEmpty })
        let error = AWSClient.serviceError(AWSCall(service: .sqs, operation: "SendMessage", resource: "shopdeck-orders"),
                                               (Data(#"{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}"#.utf8), 400, [:]))
        #expect(error.description == "sqs SendMessage on shopdeck-orders: QueueDoesNotExist (HTTP 400): The specified queue does not exist.")
    }

    @Test func retriesStopAtTheLimitWithTheLastError() async throws {
        let transport = ScriptedTransport(Array(repeating: .http(503, #"{"__type":"ServiceUnavailable","message":"busy"}"#), count: 9))
        await #expect(throws: AWSError.self) {
            _ = try await client(transport, RecordingPacer(), attempts: 3).call(.dynamodb, target: "DynamoDB_20120810.Query", body: Data("{}".utf8))
        }
        #expect(transport.sent.count == 3)
    }
}

@Suite struct AWSConfigurationTests {
    @Test func readsTheEnvironmentAsSDKsDo() throws {
        let configuration = try AWSConfiguration.fromEnvironment([
            "AWS_DEFAULT_REGION": "eu-central-1", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t",
            "AWS_ENDPOINT_URL": "http://127.0.0.1:5055", "AWS_ENDPOINT_URL_SNS": "http://127.0.0.1:6000",
        ])
        #expect(configuration.region == "eu-central-1" && configuration.credentials.sessionToken == "t")
        #expect(configuration.endpoint(.dynamodb).absoluteString == "http://127.0.0.1:5055")
        #expect(configuration.endpoint(.sns).absoluteString == "http://127.0.0.1:6000")
        let plain = try AWSConfiguration.fromEnvironment(["AWS_REGION": "us-west-2", "AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "s"])
        #expect(plain.endpoint(.sqs).absoluteString == "https://sqs.us-west-2.amazonaws.com")
        #expect(plain.credentials.sessionToken == nil)
    }

    @Test func namesEveryMissingOrWrongVariable() {
        #expect(throws: AWSConfigurationError(problems: ["AWS_REGION is not set", "AWS_SECRET_ACCESS_KEY is not set",
                                                          "AWS_ENDPOINT_URL_SQS=ftp://x is not an http(s) URL"])) {
            try AWSConfiguration.fromEnvironment(["AWS_ACCESS_KEY_ID": "A", "AWS_ENDPOINT_URL_SQS": "ftp://x"])
        }
    }
}
