import Foundation

extension FilterPolicy {
    /// The policy as SNS filter-policy JSON (keys sorted), the inverse of `init(json:)`.
    public var json: String {
        let object = rules.mapValues { $0.map(Self.jsonValue) }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    private static func jsonValue(_ rule: FilterRule) -> Any {
        switch rule {
        case .equals(let text): text
        case .equalsNumber(let number): number
        case .prefix(let text): ["prefix": text]
        case .exists(let flag): ["exists": flag]
        case let .anythingBut(strings, numbers): ["anything-but": strings.map { $0 as Any } + numbers.map { $0 as Any }]
        case .numeric(let comparisons): ["numeric": comparisons.flatMap { [$0.op.rawValue as Any, $0.value as Any] }]
        }
    }
}
