import Broker
import Journal
import Store
import Workflow

/// Why the shop refused or could not do something, in the shop's own terms. The domain never speaks a
/// transport: the HTTP edge maps each kind to a status in one place (`ShopError+HTTP.swift` in `ShopHTTP`),
/// and the console shows the message as it is.
public struct ShopError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A value the caller gave is not acceptable (a quantity, an address, a reused idempotency key…).
        case invalid
        /// Something the caller should have passed back unchanged is unreadable (a page cursor).
        case malformed
        /// What was named does not exist.
        case notFound
        /// The request conflicts with the shop's state; `reason` says which way (`conflict`, `not_open`…).
        case conflict(reason: String)
        /// No valid session: missing, forged, expired or signed-out credentials, or a wrong password.
        case unauthenticated
        /// Too many failed sign-ins for the account: try again after this many seconds.
        case locked(retryAfterSeconds: Int)
        /// Too much of this work at once; retry in a moment.
        case overloaded
        /// A component is closing or failing; retry in a moment.
        case unavailable
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    public static func invalid(_ message: String) -> ShopError { ShopError(.invalid, message) }
    public static func notFound(_ message: String) -> ShopError { ShopError(.notFound, message) }
    public static func conflict(_ message: String, reason: String = "conflict") -> ShopError { ShopError(.conflict(reason: reason), message) }
}

/// Component errors in the shop's terms, without leaking internals: conflicts stay conflicts, validation
/// stays invalid, and anything else is `unavailable` (the component is closing or failing); the caller logs
/// the detail where it matters.
extension ShopError {
    public static func storage(_ error: StoreError) -> ShopError {
        switch error {
        case .conditionalCheckFailed, .transactionCanceled: .conflict("the item changed or does not meet the condition")
        case .validation(let message): .invalid(message)
        case .closed: ShopError(.unavailable, "the store is shutting down")
        default: ShopError(.unavailable, "the store could not complete the request")
        }
    }

    public static func broker(_ error: BrokerError) -> ShopError {
        switch error {
        case .queueNotFound(let name): .notFound("no queue named \(name)")
        case .validation(let message): .invalid(message)
        default: ShopError(.unavailable, "the broker could not complete the request")
        }
    }

    public static func workflow(_ error: WorkflowError) -> ShopError {
        switch error {
        case .sagaNotFound(let name): .notFound("no pipeline named \(name)")
        case .runNotFound(let id): .notFound("no run \(id)")
        case .scheduleNotFound(let name): .notFound("no schedule named \(name)")
        case .validation(let message): .invalid(message)
        case .invalidExpression, .invalidTimeZone: .invalid(error.description)
        case .invalidRunState, .runAlreadyExists: .conflict(error.description)
        default: ShopError(.unavailable, "the workflow engine could not complete the request")
        }
    }

    public static func journal(_ error: JournalError) -> ShopError {
        ShopError(.unavailable, "could not record the change durably")
    }
}
