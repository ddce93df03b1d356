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

/// A condition, update or key condition rendered as DynamoDB expression text, with every attribute name
/// and value passed as a placeholder (`#n0`, `:v0`), so no name can collide with a reserved word and no
/// value is ever spliced into the text.
struct ExpressionRenderer {
    private(set) var names: [String: String] = [:]
    private(set) var values: [String: Any] = [:]
    private var nameIndex: [String: String] = [:]

    mutating func name(_ name: String) -> String {
        if let placeholder = nameIndex[name] { return placeholder }
        let placeholder = "#n\(nameIndex.count)"
        nameIndex[name] = placeholder
        names[placeholder] = name
        return placeholder
    }

    mutating func value(_ value: AttributeValue) -> String {
        let placeholder = ":v\(values.count)"
        values[placeholder] = DynamoDBJSON.encode(value)
        return placeholder
    }

    mutating func path(_ path: AttributePath) -> String {
        var text = ""
        for element in path.elements {
            switch element {
            case .name(let part): text += (text.isEmpty ? "" : ".") + name(part)
            case .index(let index): text += "[\(index)]"
            }
        }
        return text
    }

    mutating func operand(_ operand: Operand) -> String {
        switch operand {
        case .path(let p): path(p)
        case .value(let v): value(v)
        case .size(let p): "size(\(path(p)))"
        }
    }

    mutating func condition(_ condition: Condition) -> String {
        switch condition {
        case let .comparison(lhs, comparator, rhs): "\(operand(lhs)) \(comparator.rawValue) \(operand(rhs))"
        case let .between(subject, low, high): "\(operand(subject)) BETWEEN \(operand(low)) AND \(operand(high))"
        case let .isIn(subject, candidates): "\(operand(subject)) IN (\(candidates.map { operand($0) }.joined(separator: ", ")))"
        case .attributeExists(let p): "attribute_exists(\(path(p)))"
        case .attributeNotExists(let p): "attribute_not_exists(\(path(p)))"
        case let .attributeType(p, type): "attribute_type(\(path(p)), \(value(.string(type.rawValue))))"
        case let .beginsWith(p, prefix): "begins_with(\(path(p)), \(operand(prefix)))"
        case let .contains(p, member): "contains(\(path(p)), \(operand(member)))"
        case let .and(a, b): "(\(self.condition(a))) AND (\(self.condition(b)))"
        case let .or(a, b): "(\(self.condition(a))) OR (\(self.condition(b)))"
        case .not(let inner): "NOT (\(self.condition(inner)))"
        }
    }

    mutating func setValue(_ value: SetValue) -> String {
        switch value {
        case .value(let v): self.value(v)
        case .path(let p): path(p)
        case let .ifNotExists(p, fallback): "if_not_exists(\(path(p)), \(setValue(fallback)))"
        case let .listAppend(a, b): "list_append(\(setValue(a)), \(setValue(b)))"
        case let .plus(a, b): "\(setValue(a)) + \(setValue(b))"
        case let .minus(a, b): "\(setValue(a)) - \(setValue(b))"
        }
    }

    mutating func update(_ update: UpdateExpression) -> String {
        var sets: [String] = [], removes: [String] = [], adds: [String] = []
        for action in update.actions {
            switch action {
            case let .set(p, v): sets.append("\(path(p)) = \(setValue(v))")
            case .remove(let p): removes.append(path(p))
            case let .add(p, amount): adds.append("\(path(p)) \(value(amount))")
            }
        }
        return [("SET", sets), ("REMOVE", removes), ("ADD", adds)].filter { !$0.1.isEmpty }
            .map { "\($0.0) \($0.1.joined(separator: ", "))" }.joined(separator: " ")
    }

    mutating func keyCondition(partition: String, _ partitionValue: AttributeValue, sort: String?, _ condition: SortKeyCondition?) -> String {
        var text = "\(name(partition)) = \(value(partitionValue))"
        guard let sort, let condition else { return text }
        let s = name(sort)
        switch condition {
        case .equal(let v): text += " AND \(s) = \(value(v))"
        case .lessThan(let v): text += " AND \(s) < \(value(v))"
        case .lessThanOrEqual(let v): text += " AND \(s) <= \(value(v))"
        case .greaterThan(let v): text += " AND \(s) > \(value(v))"
        case .greaterThanOrEqual(let v): text += " AND \(s) >= \(value(v))"
        case let .between(low, high): text += " AND \(s) BETWEEN \(value(low)) AND \(value(high))"
        case .beginsWith(let v): text += " AND begins_with(\(s), \(value(v)))"
        }
        return text
    }

    /// The placeholders in a request body, as DynamoDB wants them (absent when empty).
    func attach(to body: inout [String: Any]) {
        if !names.isEmpty { body["ExpressionAttributeNames"] = names }
        if !values.isEmpty { body["ExpressionAttributeValues"] = values }
    }
}
