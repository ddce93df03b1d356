// Canonical text for expressions, in DynamoDB syntax with values written inline. Used in messages and
// to fingerprint transaction requests for idempotency, so it must not depend on dictionary order.

extension Operand: CustomStringConvertible {
    public var description: String {
        switch self {
        case .path(let path): path.description
        case .value(let value): value.description
        case .size(let path): "size(\(path))"
        }
    }
}

extension Condition: CustomStringConvertible {
    public var description: String {
        switch self {
        case let .comparison(lhs, comparator, rhs): "\(lhs) \(comparator.rawValue) \(rhs)"
        case let .between(operand, low, high): "\(operand) BETWEEN \(low) AND \(high)"
        case let .isIn(operand, candidates): "\(operand) IN (\(candidates.map(\.description).joined(separator: ", ")))"
        case .attributeExists(let path): "attribute_exists(\(path))"
        case .attributeNotExists(let path): "attribute_not_exists(\(path))"
        case let .attributeType(path, type): "attribute_type(\(path), \(type.rawValue))"
        case let .beginsWith(path, prefix): "begins_with(\(path), \(prefix))"
        case let .contains(path, operand): "contains(\(path), \(operand))"
        case let .and(lhs, rhs): "(\(lhs) AND \(rhs))"
        case let .or(lhs, rhs): "(\(lhs) OR \(rhs))"
        case .not(let inner): "NOT (\(inner))"
        }
    }
}

extension SetValue: CustomStringConvertible {
    public var description: String {
        switch self {
        case .value(let value): value.description
        case .path(let path): path.description
        case let .ifNotExists(path, fallback): "if_not_exists(\(path), \(fallback))"
        case let .listAppend(lhs, rhs): "list_append(\(lhs), \(rhs))"
        case let .plus(lhs, rhs): "\(lhs) + \(rhs)"
        case let .minus(lhs, rhs): "\(lhs) - \(rhs)"
        }
    }
}

extension UpdateExpression: CustomStringConvertible {
    public var description: String {
        actions.map { action in
            switch action {
            case let .set(path, value): "SET \(path) = \(value)"
            case .remove(let path): "REMOVE \(path)"
            case let .add(path, value): "ADD \(path) \(value)"
            }
        }.joined(separator: "; ")
    }
}
