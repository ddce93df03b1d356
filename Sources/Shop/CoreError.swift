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
        case .damaged(let damage):
            damaged(directory, component: component(of: damage.path, in: directory), "\(damage)")
        case .corrupt(let path, _, _), .snapshotCorrupt(let path, _):
            damaged(directory, component: component(of: path, in: directory), "\(error)")
        default:
            CoreError("cannot open data directory \(directory): \(error)")
        }
    }

    /// Damage found when opening: which component, what and where, and the command that shows what a
    /// repair would drop and keeps the rest.
    static func damaged(_ directory: String, component: String, _ detail: String) -> CoreError {
        CoreError("the \(component) journal in \(directory) is damaged: \(detail). Run `shopdeck repair --data \(directory)` to see "
                  + "what a repair would drop; add --apply to keep every record that still reads back and set the rest aside")
    }

    /// `store`, `broker`… : the first path component under the data directory.
    static func component(of path: String, in directory: String) -> String {
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        guard path.hasPrefix(prefix) else { return "data directory's" }
        return path.dropFirst(prefix.count).split(separator: "/").first.map(String.init) ?? "data directory's"
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
