/// A comparison operator in a condition.
public enum Comparator: String, Sendable, CaseIterable {
    case equal = "=", notEqual = "<>", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
}

/// Something a condition compares: an attribute, a literal value, or the size of an attribute.
public enum Operand: Sendable, Equatable {
    case path(AttributePath)
    case value(AttributeValue)
    case size(AttributePath)

    func evaluate(_ item: Item?) -> AttributeValue? {
        switch self {
        case .path(let path): return path.value(in: item)
        case .value(let value): return value
        case .size(let path):
            switch path.value(in: item) {
            case .string(let s): return .number(Number(s.utf8.count))
            case .binary(let b): return .number(Number(b.count))
            case .list(let l): return .number(Number(l.count))
            case .map(let m): return .number(Number(m.count))
            default: return nil
            }
        }
    }
}

/// A condition on an item, as DynamoDB's condition expressions: comparisons, `BETWEEN`, `IN`, the functions
/// `attribute_exists`, `attribute_not_exists`, `attribute_type`, `begins_with`, `contains`, and `AND`/`OR`/`NOT`.
///
/// Build one in Swift (`.notExists("id") && .compare("stock", .greater, 0)`) or parse DynamoDB syntax with
/// `Condition(parsing:names:values:)`.
public indirect enum Condition: Sendable, Equatable {
    case comparison(Operand, Comparator, Operand)
    case between(Operand, Operand, Operand)
    case isIn(Operand, [Operand])
    case attributeExists(AttributePath)
    case attributeNotExists(AttributePath)
    case attributeType(AttributePath, AttributeType)
    case beginsWith(AttributePath, Operand)
    case contains(AttributePath, Operand)
    case and(Condition, Condition)
    case or(Condition, Condition)
    case not(Condition)

    /// `path` exists.
    public static func exists(_ path: AttributePath) -> Condition { .attributeExists(path) }
    /// `path` does not exist (or the whole item does not).
    public static func notExists(_ path: AttributePath) -> Condition { .attributeNotExists(path) }
    /// `path <comparator> value`.
    public static func compare(_ path: AttributePath, _ comparator: Comparator, _ value: AttributeValue) -> Condition {
        .comparison(.path(path), comparator, .value(value))
    }
    /// `begins_with(path, prefix)`.
    public static func beginsWith(_ path: AttributePath, _ prefix: String) -> Condition {
        .beginsWith(path, .value(.string(prefix)))
    }

    public static func && (lhs: Condition, rhs: Condition) -> Condition { .and(lhs, rhs) }
    public static func || (lhs: Condition, rhs: Condition) -> Condition { .or(lhs, rhs) }
    public static prefix func ! (condition: Condition) -> Condition { .not(condition) }

    /// Whether the condition holds for `item` (nil: the item does not exist).
    public func evaluate(on item: Item?) -> Bool {
        switch self {
        case let .comparison(lhs, comparator, rhs):
            return Self.compare(lhs.evaluate(item), comparator, rhs.evaluate(item))
        case let .between(operand, low, high):
            guard let value = operand.evaluate(item), let low = low.evaluate(item), let high = high.evaluate(item) else { return false }
            return Self.compare(value, .greaterOrEqual, low) && Self.compare(value, .lessOrEqual, high)
        case let .isIn(operand, candidates):
            guard let value = operand.evaluate(item) else { return false }
            return candidates.contains { $0.evaluate(item) == value }
        case .attributeExists(let path):
            return path.value(in: item) != nil
        case .attributeNotExists(let path):
            return path.value(in: item) == nil
        case let .attributeType(path, type):
            return path.value(in: item)?.type == type
        case let .beginsWith(path, prefix):
            switch (path.value(in: item), prefix.evaluate(item)) {
            case let (.string(s)?, .string(p)?): return s.utf8.starts(with: p.utf8)
            case let (.binary(b)?, .binary(p)?): return b.starts(with: p)
            default: return false
            }
        case let .contains(path, operand):
            switch (path.value(in: item), operand.evaluate(item)) {
            case let (.string(s)?, .string(part)?): return part.isEmpty || s.contains(part)
            case let (.binary(b)?, .binary(part)?): return part.isEmpty || b.indices.contains { b[$0...].starts(with: part) }
            case let (.list(list)?, element?): return list.contains(element)
            default: return false
            }
        case let .and(lhs, rhs):
            return lhs.evaluate(on: item) && rhs.evaluate(on: item)
        case let .or(lhs, rhs):
            return lhs.evaluate(on: item) || rhs.evaluate(on: item)
        case .not(let inner):
            return !inner.evaluate(on: item)
        }
    }

    /// DynamoDB's comparison rules: values of different types are never equal and never ordered;
    /// ordering exists for strings (by UTF-8 bytes), numbers and binaries only. A missing operand makes
    /// every comparison false except `<>`, which holds when exactly one side is missing.
    static func compare(_ lhs: AttributeValue?, _ comparator: Comparator, _ rhs: AttributeValue?) -> Bool {
        guard let lhs, let rhs else { return comparator == .notEqual && (lhs == nil) != (rhs == nil) }
        switch comparator {
        case .equal: return lhs == rhs
        case .notEqual: return lhs != rhs
        default: break
        }
        let order: Int
        switch (lhs, rhs) {
        case let (.string(a), .string(b)):
            order = a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : (a == b ? 0 : 1)
        case let (.number(a), .number(b)):
            order = a < b ? -1 : (a == b ? 0 : 1)
        case let (.binary(a), .binary(b)):
            order = a.lexicographicallyPrecedes(b) ? -1 : (a == b ? 0 : 1)
        default:
            return false
        }
        switch comparator {
        case .less: return order < 0
        case .lessOrEqual: return order <= 0
        case .greater: return order > 0
        case .greaterOrEqual: return order >= 0
        case .equal, .notEqual: return false
        }
    }
}
