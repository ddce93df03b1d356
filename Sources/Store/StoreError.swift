import Journal

/// A malformed condition or update expression, with where it went wrong.
public struct ExpressionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public var message: String
    /// The expression text, when the error came from parsing one.
    public var expression: String?
    /// Character offset into `expression` where the problem was found.
    public var offset: Int?

    public init(_ message: String, expression: String? = nil, offset: Int? = nil) {
        self.message = message
        self.expression = expression
        self.offset = offset
    }

    public var description: String {
        guard let expression, let offset else { return message }
        return "\(message) at offset \(offset) in \"\(expression)\""
    }
}

/// Why one action of a cancelled transaction failed (or `nil` code when it did not).
public struct CancellationReason: Sendable, Equatable {
    /// DynamoDB's cancellation codes; the embedded store gives only the first three.
    public enum Code: String, Sendable {
        case none = "None"
        case conditionalCheckFailed = "ConditionalCheckFailed"
        case validationError = "ValidationError"
        /// Another transaction held the item: DynamoDB cancels rather than waits.
        case transactionConflict = "TransactionConflict"
        case provisionedThroughputExceeded = "ProvisionedThroughputExceeded"
        case throttlingError = "ThrottlingError"
        case itemCollectionSizeLimitExceeded = "ItemCollectionSizeLimitExceeded"

        /// Whether the same transaction may succeed if sent again: the item was busy or the table throttled.
        public var isTransient: Bool {
            self == .transactionConflict || self == .provisionedThroughputExceeded || self == .throttlingError
        }
    }

    public var code: Code
    public var message: String?

    public init(code: Code, message: String? = nil) {
        self.code = code
        self.message = message
    }
}

/// Everything the store can refuse, each with a message a user can act on. Nothing is written when one is thrown.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case tableNotFound(String)
    case tableAlreadyExists(String)
    /// The request is malformed: wrong key type, missing key, bad name, too many actions…
    case validation(String)
    case itemTooLarge(byteCount: Int, limit: Int)
    /// The condition did not hold; the item as it stood (if it existed) is attached.
    case conditionalCheckFailed(table: String, key: PrimaryKey, item: Item?)
    /// A transaction did not apply; one reason per action, in order.
    case transactionCanceled([CancellationReason])
    /// The client token was used within the last 10 minutes for a different request.
    case idempotentParameterMismatch(token: String)
    case expression(ExpressionError)
    /// A consumer fell behind the change feed's retention and must resynchronise from an export.
    case changesTrimmed(consumer: String, oldestAvailable: UInt64)
    case consumerNotFound(String)
    case journal(JournalError)
    /// Writing or reading a table export failed.
    case export(path: String, reason: String)
    case closed
    /// A remote backend did not answer, or kept refusing for throttling until the retries ran out.
    case unavailable(String)

    public var description: String {
        switch self {
        case .tableNotFound(let name): "table \"\(name)\" does not exist"
        case .tableAlreadyExists(let name): "table \"\(name)\" already exists"
        case .validation(let message): message
        case let .itemTooLarge(size, limit): "item of \(size) bytes exceeds the \(limit)-byte item size limit"
        case let .conditionalCheckFailed(table, key, _): "the conditional request failed for item \(key) in table \"\(table)\""
        case .transactionCanceled(let reasons):
            "transaction cancelled: " + reasons.enumerated().filter { $0.element.code != .none }
                .map { "action \($0.offset): \($0.element.code.rawValue)\($0.element.message.map { " (\($0))" } ?? "")" }
                .joined(separator: "; ")
        case .idempotentParameterMismatch(let token):
            "client token \"\(token)\" was already used for a different request within the last 10 minutes"
        case .expression(let error): "invalid expression: \(error)"
        case let .changesTrimmed(consumer, oldest):
            "consumer \"\(consumer)\" fell behind the change feed (oldest retained change is \(oldest)); resynchronise from an export"
        case .consumerNotFound(let name): "change feed consumer \"\(name)\" is not registered"
        case .journal(let error): error.description
        case let .export(path, reason): "export at \(path) failed: \(reason)"
        case .closed: "the store is closed"
        case .unavailable(let reason): "the store's backend is unavailable: \(reason)"
        }
    }
}
