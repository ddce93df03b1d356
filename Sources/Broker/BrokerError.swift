import Journal

/// Everything the broker can refuse, each with what a caller needs to fix it. Nothing changes when one is thrown.
public enum BrokerError: Error, Sendable, Equatable, CustomStringConvertible {
    case queueNotFound(String)
    case queueAlreadyExists(String)
    case topicNotFound(String)
    case subscriptionNotFound(String)
    /// A request or setting is malformed: bad name, value out of range, batch too large…
    case validation(String)
    case messageTooLarge(byteCount: Int, limit: Int)
    /// The receipt handle is malformed, belongs to another queue, or is from an earlier receive.
    case receiptHandleInvalid(String)
    /// The message is not in flight (it was deleted, or its visibility timeout already ran out).
    case messageNotInFlight(String)
    case journal(JournalError)
    case closed
    /// The backend cannot do this at all (SQS has no peek); the text says what it can do instead.
    case unsupported(String)
    /// A remote backend did not answer, or kept refusing for throttling until the retries ran out.
    case unavailable(String)

    public var description: String {
        switch self {
        case .queueNotFound(let name): "queue \"\(name)\" does not exist"
        case .queueAlreadyExists(let name): "queue \"\(name)\" already exists with different attributes"
        case .topicNotFound(let name): "topic \"\(name)\" does not exist"
        case .subscriptionNotFound(let id): "subscription \"\(id)\" does not exist"
        case .validation(let message): message
        case let .messageTooLarge(size, limit): "message of \(size) bytes exceeds the queue's limit of \(limit) bytes"
        case .receiptHandleInvalid(let handle): "receipt handle \"\(handle)\" is not valid for this queue (malformed, or from an earlier receive)"
        case .messageNotInFlight(let handle): "the message of receipt handle \"\(handle)\" is not in flight"
        case .journal(let error): error.description
        case .closed: "the broker is closed"
        case .unsupported(let message): message
        case .unavailable(let reason): "the broker's backend is unavailable: \(reason)"
        }
    }
}
