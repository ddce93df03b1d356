import Foundation
import Store

/// Items in DynamoDB's JSON: every value tagged with its type (`{"S": "x"}`, `{"N": "12"}`, `{"M": {…}}`),
/// numbers as decimal strings, binaries in Base64.
enum DynamoDBJSON {
    static func encode(_ value: AttributeValue) -> [String: Any] {
        switch value {
        case .string(let s): ["S": s]
        case .number(let n): ["N": n.description]
        case .bool(let b): ["BOOL": b]
        case .null: ["NULL": true]
        case .list(let l): ["L": l.map(encode)]
        case .map(let m): ["M": m.mapValues(encode)]
        case .binary(let b): ["B": Data(b).base64EncodedString()]
        }
    }

    static func encode(_ item: Item) -> [String: Any] { item.mapValues(encode) }

    /// The value, or nil for JSON that is not a DynamoDB attribute value this store supports (sets are not).
    static func decode(_ json: Any) -> AttributeValue? {
        guard let object = json as? [String: Any], object.count == 1, let (type, payload) = object.first else { return nil }
        switch type {
        case "S": return (payload as? String).map(AttributeValue.string)
        case "N": return (payload as? String).flatMap { Number(parsing: $0) }.map(AttributeValue.number)
        case "BOOL": return (payload as? Bool).map(AttributeValue.bool)
        case "NULL": return .null
        case "L":
            guard let list = payload as? [Any] else { return nil }
            var values: [AttributeValue] = []
            for element in list { guard let value = decode(element) else { return nil }; values.append(value) }
            return .list(values)
        case "M": return (payload as? [String: Any]).flatMap(decodeItem).map(AttributeValue.map)
        case "B": return (payload as? String).flatMap { Data(base64Encoded: $0) }.map { .binary(Array($0)) }
        default: return nil
        }
    }

    static func decodeItem(_ json: [String: Any]) -> Item? {
        var item: Item = [:]
        for (name, value) in json {
            guard let decoded = decode(value) else { return nil }
            item[name] = decoded
        }
        return item
    }
}
