import Addressing
import Broker
import Dashboard
import Foundation
import WAF

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
            detail.requests = traffic.recentRequests(in: network, limit: limit).map {
                FocusedDetail.RequestRow(at: $0.at, peer: $0.peer.description, method: $0.method, route: $0.route, status: $0.status,
                                         microseconds: $0.microseconds)
            }
            detail.verdicts = waf.recentVerdicts(limit: 1000).reversed()
                .filter { IPAddress($0.clientIP).map(network.contains) ?? false }
                .prefix(limit).map {
                    FocusedDetail.VerdictRow(at: $0.at, clientIP: $0.clientIP, method: $0.method, path: $0.path, rule: $0.rule,
                                             action: $0.action.rawValue, detail: $0.detail, repeats: $0.repeats)
                }
        case .queue(let name):
            do throws(BrokerError) {
                guard let engines else {
                    throw BrokerError.unsupported("\(backendName) cannot show waiting messages without receiving them; counts only")
                }
                detail.messages = try engines.broker.peek(name, limit: limit).map {
                    FocusedDetail.MessageRow(id: $0.id, body: $0.body, sentAt: $0.sentAt, receiveCount: $0.receiveCount, groupID: $0.groupID,
                                             state: $0.state.rawValue)
                }
            } catch {
                detail.problem = error.description
            }
        case .product(let id):
            detail.boughtTogether = recommendations.similar(to: id, limit: limit).items.map {
                .init(productId: $0.item, name: catalog.details($0.item)?.name ?? $0.item, value: $0.score)
            }
        }
        return detail
    }
}
