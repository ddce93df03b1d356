import Journal

/// Everything the scheduler and the saga engine refuse, each saying what to fix.
public enum WorkflowError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A schedule expression is malformed; `field` names the part that is wrong.
    case invalidExpression(expression: String, field: String, reason: String)
    case invalidTimeZone(String)
    case scheduleNotFound(String)
    case scheduleAlreadyExists(String)
    case sagaNotFound(String)
    case runNotFound(String)
    /// A run with this id was started before (runs started per order use the order as the id).
    case runAlreadyExists(String)
    case validation(String)
    /// The run is not in a state that allows this (e.g. redriving a run that did not fail).
    case invalidRunState(runID: String, state: String, wanted: String)
    case journal(JournalError)
    /// The store that instances share runs through failed (`SagaRunStore`), with its own words.
    case sharedRuns(String)
    /// Another instance took the run over after this one's lease expired: this one stops driving it.
    case leaseLost(runID: String)
    case closed

    public var description: String {
        switch self {
        case let .invalidExpression(expression, field, reason): "invalid schedule expression \"\(expression)\": \(field): \(reason)"
        case .invalidTimeZone(let zone): "unknown time zone \"\(zone)\" (use an IANA name such as Asia/Tokyo)"
        case .scheduleNotFound(let name): "schedule \"\(name)\" does not exist"
        case .scheduleAlreadyExists(let name): "schedule \"\(name)\" already exists"
        case .sagaNotFound(let name): "saga \"\(name)\" is not registered"
        case .runNotFound(let id): "run \"\(id)\" does not exist"
        case .runAlreadyExists(let id): "run \"\(id)\" already exists"
        case .validation(let message): message
        case let .invalidRunState(runID, state, wanted): "run \(runID) is \(state); this needs it \(wanted)"
        case .journal(let error): error.description
        case .sharedRuns(let reason): "the shared run store failed: \(reason)"
        case .leaseLost(let id): "run \(id) was taken over by another instance (this one's lease expired)"
        case .closed: "the workflow engine is closed"
        }
    }
}
