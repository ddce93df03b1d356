import Broker
import HTTP
import Journal
import Store
import Workflow

/// Maps component errors to HTTP errors without leaking internals: conflicts to 409, validation to 422,
/// and anything else to 503 (the component is closed or failing), with the detail logged by the caller.
enum ShopErrors {
    static func storage(_ error: StoreError) -> HTTPError {
        switch error {
        case .conditionalCheckFailed, .transactionCanceled:
            HTTPError(status: 409, code: "conflict", message: "the item changed or does not meet the condition")
        case .validation(let message):
            HTTPError.invalidField(message)
        case .closed:
            HTTPError(status: 503, code: "unavailable", message: "the store is shutting down", headers: ["Retry-After": "1"])
        default:
            HTTPError(status: 503, code: "unavailable", message: "the store could not complete the request", headers: ["Retry-After": "1"])
        }
    }

    static func broker(_ error: BrokerError) -> HTTPError {
        switch error {
        case .queueNotFound(let name): HTTPError.notFound("no queue named \(name)")
        case .validation(let message): HTTPError.invalidField(message)
        default: HTTPError(status: 503, code: "unavailable", message: "the broker could not complete the request", headers: ["Retry-After": "1"])
        }
    }

    static func workflow(_ error: WorkflowError) -> HTTPError {
        switch error {
        case .sagaNotFound(let name): HTTPError.notFound("no pipeline named \(name)")
        case .runNotFound(let id): HTTPError.notFound("no run \(id)")
        case .scheduleNotFound(let name): HTTPError.notFound("no schedule named \(name)")
        case .validation(let message): HTTPError.invalidField(message)
        case .invalidExpression, .invalidTimeZone: HTTPError.invalidField(error.description)
        case .invalidRunState, .runAlreadyExists: HTTPError(status: 409, code: "conflict", message: error.description)
        default: HTTPError(status: 503, code: "unavailable", message: "the workflow engine could not complete the request", headers: ["Retry-After": "1"])
        }
    }

    static func journal(_ error: JournalError) -> HTTPError {
        HTTPError(status: 503, code: "unavailable", message: "could not record the change durably", headers: ["Retry-After": "1"])
    }
}
