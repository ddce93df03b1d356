import Broker
import Foundation
import Journal
import Store
import Workflow

/// Why the core could not start, in words an operator can act on.
public struct CoreError: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }

    /// The cause of a journal-level failure on `directory`, phrased for the data directory as a whole.
    static func opening(_ directory: String, _ error: JournalError) -> CoreError {
        switch error {
        case .locked(_, let pid):
            CoreError("data directory \(directory) is locked by another shopdeck process" + (pid.map { " (pid \($0))" } ?? ""))
        case .io(let operation, let path, let code) where code == EACCES || code == EROFS || code == EPERM:
            CoreError("data directory \(directory) is not writable (\(operation) \(path) failed: \(String(cString: strerror(code))))")
        default:
            CoreError("cannot open data directory \(directory): \(error)")
        }
    }

    static func opening(_ directory: String, _ error: StoreError) -> CoreError {
        if case .journal(let journal) = error { return opening(directory, journal) }
        return CoreError("cannot open the store in \(directory): \(error)")
    }

    static func opening(_ directory: String, _ error: BrokerError) -> CoreError {
        if case .journal(let journal) = error { return opening(directory, journal) }
        return CoreError("cannot open the broker in \(directory): \(error)")
    }

    static func opening(_ directory: String, _ error: WorkflowError) -> CoreError {
        if case .journal(let journal) = error { return opening(directory, journal) }
        return CoreError("cannot open the workflow engine in \(directory): \(error)")
    }
}
