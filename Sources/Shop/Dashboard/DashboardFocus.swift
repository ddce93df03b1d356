import Broker
import Foundation
import HTTP
import WAF

/// What the console is looking at closely — the row open in a detail view, or the product selected in
/// the Recommendations pane — so the snapshot carries the rows only that view needs, and only for it.
public enum DashboardFocus: Sendable, Equatable {
    /// An address or CIDR: its latest requests and WAF verdicts.
    case client(String)
    /// A queue: its oldest messages.
    case queue(String)
    /// A product: what is bought together with it.
    case product(String)
}

/// The rows for a `DashboardFocus`, taken with the rest of the snapshot.
public struct FocusedDetail: Sendable {
    public var focus: DashboardFocus
    /// Newest first.
    public var requests: [RecentRequest] = []
    /// Newest first.
    public var verdicts: [VerdictRecord] = []
    /// Oldest first.
    public var messages: [PeekedMessage] = []
    public var boughtTogether: [DashboardSnapshot.RankedProduct] = []
    /// Why the rows could not be read (an unknown queue, an address that does not parse).
    public var problem: String?
}

extension Core {
    /// The rows `focus` asks for.
    func focusedDetail(_ focus: DashboardFocus, limit: Int = 20) -> FocusedDetail {
        var detail = FocusedDetail(focus: focus)
        switch focus {
        case .client(let text):
            guard let network = IPNetwork(text) else {
                detail.problem = "\"\(text)\" is not an address or CIDR"
                return detail
            }
            detail.requests = traffic.recentRequests(in: network, limit: limit)
            detail.verdicts = waf.recentVerdicts(limit: 1000).reversed()
                .filter { IPAddress($0.clientIP).map(network.contains) ?? false }
                .prefix(limit).map { $0 }
        case .queue(let name):
            do { detail.messages = try broker.peek(name, limit: limit) } catch { detail.problem = error.description }
        case .product(let id):
            detail.boughtTogether = recommendations.similar(to: id, limit: limit).items.map {
                .init(productId: $0.item, name: catalog.details($0.item)?.name ?? $0.item, value: $0.score)
            }
        }
        return detail
    }
}
