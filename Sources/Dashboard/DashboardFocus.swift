import Foundation

/// What the console is looking at closely — the row open in a detail view, or the product selected in the
/// Recommendations pane — so the snapshot carries the rows only that view needs, and only for it.
public enum DashboardFocus: Sendable, Equatable, Codable {
    /// An address or CIDR: its latest requests and WAF verdicts, and its dossier.
    case client(String)
    /// A queue: its oldest messages.
    case queue(String)
    /// A product: what is bought together with it.
    case product(String)
    /// The log view: the audit trail and the shop's log lines, those containing the text (all when empty).
    case log(String)
    /// The verdicts view: the WAF's latest verdicts, newest first, without their requests.
    case verdicts
    /// The request inspector: one verdict with the request as the WAF saw it.
    case verdict(UInt64)
    /// What setting a WAF rule to `action` (and a rate rule to `limit`) would have done to recent traffic.
    case rulePreview(rule: String, action: String?, limit: Int?)

    /// `client:203.0.113.9`, as `GET /admin/dashboard?focus=` takes it.
    public var parameter: String {
        switch self {
        case .client(let value): "client:\(value)"
        case .queue(let value): "queue:\(value)"
        case .product(let value): "product:\(value)"
        case .log(let search): "log:\(search)"
        case .verdicts: "verdicts:"
        case .verdict(let id): "verdict:\(id)"
        case let .rulePreview(rule, action, limit): "preview:\(rule),\(action ?? "-"),\(limit.map(String.init) ?? "-")"
        }
    }

    /// A focus from its parameter form; nil for another kind or an empty value.
    public init?(parameter: String) {
        guard let colon = parameter.firstIndex(of: ":") else { return nil }
        let value = String(parameter[parameter.index(after: colon)...])
        guard value.utf8.count <= 200 else { return nil }
        switch parameter[..<colon] {
        case "log":
            self = .log(value)
            return
        case "verdicts":
            self = .verdicts
            return
        case "verdict":
            guard let id = UInt64(value) else { return nil }
            self = .verdict(id)
            return
        case "preview":
            // `preview:RULE,ACTION,LIMIT`, `-` for a setting left as it is.
            let parts = value.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3, !parts[0].isEmpty else { return nil }
            let limit = parts[2] == "-" ? nil : Int(parts[2])
            guard parts[2] == "-" || limit != nil else { return nil }
            self = .rulePreview(rule: parts[0], action: parts[1] == "-" ? nil : parts[1], limit: limit)
            return
        default: break
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
        /// The verdict's number, to inspect its request (`DashboardFocus.verdict`); nil from a shop that predates it.
        public var id: UInt64?

        public init(at: Date, clientIP: String, method: String, path: String, rule: String, action: String, detail: String, repeats: Int = 0,
                    id: UInt64? = nil) {
            self.id = id
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
    /// What a proposed rule change would have done to recent traffic.
    public var preview: RulePreview?
    /// The request inspector's verdict, with the request as the WAF saw it.
    public var inspected: InspectedRequest?
    /// For an address or range: the accounts behind it over the last hour and what a block would cut off.
    /// Nil from a shop that predates it.
    public var dossier: Dossier?
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

/// One verdict with the request as the WAF saw it — method, target, headers, body — and what matched: the rule,
/// the field, the shape it recognised and the decoded value around the evidence. Each part of the request is
/// cut to the WAF's bounds (`headerCount` and `bodyBytes` say how much there was).
public struct InspectedRequest: Sendable, Codable, Equatable {
    public var verdict: FocusedDetail.VerdictRow
    public var target: String
    /// `[name, value]` pairs, in the order sent.
    public var headers: [[String]]
    public var headerCount: Int
    public var body: String
    public var bodyBytes: Int
    /// Where a detector matched (`ARGS:q`, `REQUEST_HEADERS:User-Agent`) and what it saw there, decoded.
    public var field: String?
    public var shape: String?
    public var excerpt: String?

    public init(verdict: FocusedDetail.VerdictRow, target: String, headers: [[String]], headerCount: Int, body: String, bodyBytes: Int,
                field: String? = nil, shape: String? = nil, excerpt: String? = nil) {
        self.verdict = verdict
        self.target = target
        self.headers = headers
        self.headerCount = headerCount
        self.body = body
        self.bodyBytes = bodyBytes
        self.field = field
        self.shape = shape
        self.excerpt = excerpt
    }
}
