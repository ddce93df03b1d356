import Broker
import Store
import Synchronization

/// Where the shop keeps its documents and sends its messages.
public enum CoreBackend: Sendable {
    /// The embedded engines, journaled under the data directory (the default: one binary, one directory).
    case embedded
    /// A remote document store and broker (DynamoDB, SQS and SNS), named for `/status` and the logs;
    /// `requestCounts` gives the requests sent so far by `service operation` (what the backend bills).
    case remote(store: any DocumentStore, broker: any MessageBroker, name: String, requestCounts: @Sendable () -> [String: Int] = { [:] })
}

/// The embedded engines, when the core runs on them: their journals feed `/status`, the recovery report
/// and shutdown, and the dashboard reads queue figures and peeks from them directly.
public struct EmbeddedEngines: Sendable {
    public let store: Store
    public let broker: Broker
}

/// Queue figures for the synchronous readers (the dashboard, `/status`, `/admin/queues`) when the broker
/// is remote: each read would otherwise be a request to SQS. Refreshed in the background; SQS's own counts
/// are approximate and eventually consistent, so a figure a second or two old says no less.
final class QueueFiguresCache: Sendable {
    private let figures = Mutex<(stats: [QueueStats], refreshed: Bool)>(([], false))

    var latest: [QueueStats] { figures.withLock { $0.stats } }
    var hasRefreshed: Bool { figures.withLock { $0.refreshed } }

    func store(_ stats: [QueueStats]) { figures.withLock { $0 = (stats, true) } }
}
