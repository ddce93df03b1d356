import Foundation

/// What a call to AWS can end in besides an answer: the service's own error (its code, message, HTTP status
/// and the resource the call was about), a transport failure, or an answer that does not parse.
public enum AWSError: Error, Equatable, CustomStringConvertible {
    /// `body` is the error document as the service sent it (DynamoDB puts `CancellationReasons` and the
    /// item a condition failed on there).
    case service(AWSCall, status: Int, code: String, message: String, body: Data = Data())
    case transport(AWSCall, reason: String)
    case malformedResponse(AWSCall, reason: String)

    /// The AWS error code (`ConditionalCheckFailedException`, `ResourceNotFoundException` …), for service errors.
    public var code: String? {
        if case let .service(_, _, code, _, _) = self { return code }
        return nil
    }

    public var call: AWSCall {
        switch self {
        case let .service(call, _, _, _, _), let .transport(call, _), let .malformedResponse(call, _): call
        }
    }

    /// Worth trying again: throttling, a server error, or the connection failing (AWS SDKs' standard
    /// retry mode treats the same).
    public var isRetryable: Bool {
        switch self {
        case let .service(_, status, code, _, _): status >= 500 || Self.throttlingCodes.contains(code)
        case .transport: true
        case .malformedResponse: false
        }
    }

    static let throttlingCodes: Set<String> = [
        "ThrottlingException", "Throttling", "ThrottledException", "RequestThrottledException", "RequestThrottled",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "RequestLimitExceeded", "TransactionInProgressException",
        "SlowDown", "BandwidthLimitExceeded", "LimitExceededException", "PriorRequestNotComplete", "EC2ThrottledException",
    ]

    public var description: String {
        switch self {
        case let .service(call, status, code, message, _): "\(call): \(code) (HTTP \(status)): \(message)"
        case let .transport(call, reason): "\(call): no answer: \(reason)"
        case let .malformedResponse(call, reason): "\(call): unreadable answer: \(reason)"
        }
    }
}

/// One call as an error names it: service, operation and the resource it was about.
public struct AWSCall: Sendable, Equatable, CustomStringConvertible {
    public var service: AWSService
    public var operation: String
    /// The table, queue or topic, when the call is about one.
    public var resource: String?

    public init(service: AWSService, operation: String, resource: String? = nil) {
        self.service = service
        self.operation = operation
        self.resource = resource
    }

    public var description: String { "\(service.rawValue) \(operation)" + (resource.map { " on \($0)" } ?? "") }
}
