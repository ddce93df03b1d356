import Broker
import Dashboard
import HTTP
import Journal
import Shop
import Store
import Workflow

/// The one place where the shop's refusals become HTTP answers.
extension HTTPError {
    /// A domain refusal as the API answers it.
    public init(_ error: ShopError) {
        switch error.kind {
        case .invalid: self = .invalidField(error.message)
        case .malformed: self = .badRequest(error.message)
        case .notFound: self = .notFound(error.message)
        case .conflict(let reason): self.init(status: 409, code: reason, message: error.message)
        case .unauthenticated: self.init(status: 401, code: "unauthenticated", message: error.message, headers: ["WWW-Authenticate": "Bearer"])
        case .locked(let seconds): self.init(status: 429, code: "locked", message: error.message, headers: ["Retry-After": String(seconds)])
        case .overloaded: self = .overloaded(error.message)
        case .unavailable: self.init(status: 503, code: "unavailable", message: error.message, headers: ["Retry-After": "1"])
        }
    }

    /// An operator's refusal as the admin API answers it.
    public init(_ error: OperatorError) {
        switch error.kind {
        case .invalid: self = .invalidField(error.description)
        case .notFound: self = .notFound(error.description)
        case .conflict: self.init(status: 409, code: "conflict", message: error.description)
        case .forbidden: self.init(status: 403, code: "forbidden", message: error.description)
        case .unavailable: self.init(status: 503, code: "unavailable", message: error.description, headers: ["Retry-After": "1"])
        }
    }

    /// Whatever a handler threw, as an answer: HTTP errors as they are, the shop's and the operators' through
    /// the mappings above, a component's through `ShopError`'s, and anything else as a 500 that names no
    /// internals (the server logs the request id).
    static func answering(_ error: any Error) -> HTTPError {
        switch error {
        case let error as HTTPError: error
        case let error as ShopError: HTTPError(error)
        case let error as OperatorError: HTTPError(error)
        case let error as StoreError: HTTPError(ShopError.storage(error))
        case let error as BrokerError: HTTPError(ShopError.broker(error))
        case let error as WorkflowError: HTTPError(ShopError.workflow(error))
        case let error as JournalError: HTTPError(ShopError.journal(error))
        default: HTTPError(status: 500, code: "internal", message: "the request could not be completed")
        }
    }
}

/// Runs a handler that speaks the shop's errors, answering its failure through `HTTPError.answering`.
func answering<T>(_ body: () async throws -> T) async throws(HTTPError) -> T {
    do {
        return try await body()
    } catch {
        throw HTTPError.answering(error)
    }
}
