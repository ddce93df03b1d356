import Addressing
import Broker
import Dashboard
import Foundation
import WAF

extension Core {
    /// Lines the log view gets at most: enough to scroll back through an incident, bounded per snapshot.
    static let logViewLimit = 300

    /// The audit trail and the shop's own log lines (when its logger keeps them), newest first, those whose
    /// text, actor or kind contain `search` (case-insensitive; all when empty).
    func logRows(containing search: String, limit: Int) -> [FocusedDetail.LogRow] {
        let needle = search.lowercased()
        func matches(_ row: FocusedDetail.LogRow) -> Bool {
            needle.isEmpty || "\(row.kind) \(row.actor) \(row.text)".lowercased().contains(needle)
        }
        let audited = audit.entries(since: UInt64(max(0, Int(audit.count) - 2000)), limit: 2000).map {
            FocusedDetail.LogRow(at: $0.at, kind: "audit", actor: $0.actor, text: "\($0.action): \($0.detail)")
        }.filter(matches)
        let logged = (options.logger.recent?.lines(limit: 1000) ?? []).map {
            FocusedDetail.LogRow(at: $0.at, kind: $0.level.name, actor: $0.label, text: $0.text)
        }.filter(matches)
        // Newest first; lines of the same moment keep the order they were written in, reversed.
        let merged = (audited + logged).enumerated().sorted { ($0.element.at, $0.offset) > ($1.element.at, $1.offset) }
        return Array(merged.prefix(limit).map(\.element))
    }

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
                .prefix(limit).map(Self.verdictRow)
            detail.dossier = dossier(of: network, named: text)
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
        case .log(let search):
            detail.log = logRows(containing: search, limit: Self.logViewLimit)
        case let .rulePreview(rule, action, limit):
            do throws(OperatorError) {
                detail.preview = try rulePreview(rule: rule, action: action, limit: limit)
            } catch {
                detail.problem = error.description
            }
        case .verdicts:
            detail.verdicts = waf.recentVerdicts(limit: Self.verdictsViewLimit).reversed().map(Self.verdictRow)
        case .verdict(let id):
            guard let record = waf.verdict(id: id) else {
                detail.problem = "verdict \(id) has left the log (it keeps the latest \(WebApplicationFirewall.verdictsKept))"
                return detail
            }
            let request = record.request
            detail.inspected = InspectedRequest(verdict: Self.verdictRow(record), target: request?.target ?? record.path,
                                                headers: request?.headers.map { [$0.name, $0.value] } ?? [], headerCount: request?.headerCount ?? 0,
                                                body: request?.body ?? "", bodyBytes: request?.bodyBytes ?? 0, field: record.detection?.field,
                                                shape: record.detection?.shape, excerpt: record.detection?.excerpt)
        }
        return detail
    }

    /// Verdicts the verdicts view lists: a screenful or two, newest first.
    static let verdictsViewLimit = 100

    static func verdictRow(_ record: VerdictRecord) -> FocusedDetail.VerdictRow {
        FocusedDetail.VerdictRow(at: record.at, clientIP: record.clientIP, method: record.method, path: record.path, rule: record.rule,
                                 action: record.action.rawValue, detail: record.detail, repeats: record.repeats, id: record.id)
    }
}
