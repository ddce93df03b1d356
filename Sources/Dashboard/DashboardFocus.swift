import Foundation

/// What the console is looking at closely — the row open in a detail view, or the product selected in the
/// Recommendations pane — so the snapshot carries the rows only that view needs, and only for it.
public enum DashboardFocus: Sendable, Equatable, Codable {
    /// An address or CIDR: its latest requests and WAF verdicts.
    case client(String)
    /// A queue: its oldest messages.
    case queue(String)
    /// A product: what is bought together with it.
    case product(String)
    /// The log view: the audit trail and the shop's log lines, those containing the text (all when empty).
    case log(String)

    /// `client:203.0.113.9`, as `GET /admin/dashboard?focus=` takes it.
    public var parameter: String {
        switch self {
        case .client(let value): "client:\(value)"
        case .queue(let value): "queue:\(value)"
        case .product(let value): "product:\(value)"
        case .log(let search): "log:\(search)"
        }
    }

    /// A focus from its parameter form; nil for another kind or an empty value.
    public init?(parameter: String) {
        guard let colon = parameter.firstIndex(of: ":") else { return nil }
        let value = String(parameter[parameter.index(after: colon)...])
        guard value.utf8.count <= 200 else { return nil }
        if parameter[..<colon] == "log" {
            self = .log(value)
            return
        }
        guard !value.isEmpty else { return nil }
        switch parameter[..<colon] {
        case "client": self = .client(value)
        case "queue": self = .queue(value)
        case "product": self = .product(value)
        default: return nil
        }
    }
}

/// The rows for a `DashboardFocus`, taken with the rest of the snapshot.
public struct FocusedDetail: Sendable, Codable, Equatable {
    /// One request the server answered.
    public struct RequestRow: Sendable, Codable, Equatable {
        public var at: Date
        public var peer: String
        public var method: String
        /// The matched route's pattern; nil when no route matched.
        public var route: String?
        public var status: Int
        public var microseconds: UInt64

        public init(at: Date, peer: String, method: String, route: String?, status: Int, microseconds: UInt64) {
            self.at = at
            self.peer = peer
            self.method = method
            self.route = route
            self.status = status
            self.microseconds = microseconds
        }
    }

    /// One request the WAF blocked or counted.
    public struct VerdictRow: Sendable, Codable, Equatable {
        public var at: Date
        public var clientIP: String
        public var method: String
        public var path: String
        public var rule: String
        /// `block` or `count`.
        public var action: String
        public var detail: String
        /// Further verdicts folded into this one.
        public var repeats: Int

        public init(at: Date, clientIP: String, method: String, path: String, rule: String, action: String, detail: String, repeats: Int = 0) {
            self.at = at
            self.clientIP = clientIP
            self.method = method
            self.path = path
            self.rule = rule
            self.action = action
            self.detail = detail
            self.repeats = repeats
        }
    }

    /// One message waiting in a queue.
    public struct MessageRow: Sendable, Codable, Equatable {
        public var id: String
        public var body: String
        public var sentAt: Date
        public var receiveCount: Int
        public var groupID: String?
        /// `delayed`, `visible` or `in-flight`.
        public var state: String

        public init(id: String, body: String, sentAt: Date, receiveCount: Int, groupID: String?, state: String) {
            self.id = id
            self.body = body
            self.sentAt = sentAt
            self.receiveCount = receiveCount
            self.groupID = groupID
            self.state = state
        }
    }

    /// One line of the log view: an audit entry (who did what, and how it ended) or a line the shop logged.
    public struct LogRow: Sendable, Codable, Equatable {
        public var at: Date
        /// `audit`, or the log line's level (`info`, `warning`, `error`).
        public var kind: String
        /// The audit entry's actor (`admin`, `console`, `user:…`) or the log line's component.
        public var actor: String
        public var text: String

        public init(at: Date, kind: String, actor: String, text: String) {
            self.at = at
            self.kind = kind
            self.actor = actor
            self.text = text
        }
    }

    public var focus: DashboardFocus
    /// Newest first.
    public var requests: [RequestRow] = []
    /// The log view's lines, newest first.
    public var log: [LogRow] = []
    /// Newest first.
    public var verdicts: [VerdictRow] = []
    /// Oldest first.
    public var messages: [MessageRow] = []
    public var boughtTogether: [DashboardSnapshot.RankedProduct] = []
    /// Why the rows could not be read (an unknown queue, an address that does not parse).
    public var problem: String?

    public init(focus: DashboardFocus, requests: [RequestRow] = [], verdicts: [VerdictRow] = [], messages: [MessageRow] = [],
                boughtTogether: [DashboardSnapshot.RankedProduct] = [], problem: String? = nil) {
        self.focus = focus
        self.requests = requests
        self.verdicts = verdicts
        self.messages = messages
        self.boughtTogether = boughtTogether
        self.problem = problem
    }
}
