/// The right-hand side of a `SET` action.
public indirect enum SetValue: Sendable, Equatable {
    case value(AttributeValue)
    case path(AttributePath)
    /// `if_not_exists(path, fallback)`: the attribute's value, or `fallback` when it is missing.
    case ifNotExists(AttributePath, SetValue)
    /// `list_append(a, b)`.
    case listAppend(SetValue, SetValue)
    /// `a + b` on numbers.
    case plus(SetValue, SetValue)
    /// `a - b` on numbers.
    case minus(SetValue, SetValue)

    func evaluate(_ item: Item?) throws(StoreError) -> AttributeValue {
        switch self {
        case .value(let value):
            return value
        case .path(let path):
            guard let value = path.value(in: item) else {
                throw .validation("the attribute \(path) used in the update expression does not exist in the item")
            }
            return value
        case let .ifNotExists(path, fallback):
            if let value = path.value(in: item) { return value }
            return try fallback.evaluate(item)
        case let .listAppend(lhs, rhs):
            guard case .list(let a) = try lhs.evaluate(item), case .list(let b) = try rhs.evaluate(item) else {
                throw .validation("list_append takes two lists")
            }
            return .list(a + b)
        case let .plus(lhs, rhs):
            return try Self.arithmetic(lhs.evaluate(item), rhs.evaluate(item), symbol: "+", Number.adding)
        case let .minus(lhs, rhs):
            return try Self.arithmetic(lhs.evaluate(item), rhs.evaluate(item), symbol: "-", Number.subtracting)
        }
    }

    private static func arithmetic(_ lhs: AttributeValue, _ rhs: AttributeValue, symbol: String,
                                   _ operation: (Number, Number) -> Number?) throws(StoreError) -> AttributeValue {
        guard case .number(let a) = lhs, case .number(let b) = rhs else {
            throw .validation("an operand of '\(symbol)' in the update expression is not a number (got \(lhs.typeName) and \(rhs.typeName))")
        }
        guard let result = operation(a, b) else { throw .validation("the result of \(a) \(symbol) \(b) is out of the number range") }
        return .number(result)
    }
}

/// Changes to apply to an item, as DynamoDB's update expressions: `SET`, `REMOVE` and `ADD` (numbers).
///
/// Every right-hand side is evaluated against the item as it was before the update, then the actions are
/// applied, so `SET a = b, b = a` swaps. Two actions may not touch overlapping paths, and key attributes
/// cannot be updated.
public struct UpdateExpression: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        case set(AttributePath, SetValue)
        case remove(AttributePath)
        /// Adds a number to a numeric attribute (created when missing): an atomic counter.
        case add(AttributePath, AttributeValue)
    }

    public var actions: [Action]

    public init(_ actions: [Action] = []) { self.actions = actions }

    /// Adds `SET path = value`.
    public func set(_ path: AttributePath, _ value: AttributeValue) -> UpdateExpression {
        UpdateExpression(actions + [.set(path, .value(value))])
    }

    /// Adds `SET path = <computed>`.
    public func set(_ path: AttributePath, computed value: SetValue) -> UpdateExpression {
        UpdateExpression(actions + [.set(path, value)])
    }

    /// Adds `REMOVE path`.
    public func remove(_ path: AttributePath) -> UpdateExpression {
        UpdateExpression(actions + [.remove(path)])
    }

    /// Adds `ADD path amount`.
    public func add(_ path: AttributePath, _ amount: Int) -> UpdateExpression {
        UpdateExpression(actions + [.add(path, .number(Number(amount)))])
    }

    /// Checks the shape of the update against `schema` before anything is evaluated.
    func validate(for schema: TableSchema) throws(StoreError) {
        guard !actions.isEmpty else { throw .validation("the update expression has no actions") }
        var paths: [AttributePath] = []
        for action in actions {
            let path: AttributePath
            switch action {
            case .set(let p, _), .remove(let p): path = p
            case .add(let p, let value):
                path = p
                guard p.elements.count == 1 else { throw .validation("ADD applies to top-level attributes only, not \(p)") }
                guard case .number = value else { throw .validation("ADD takes a number (sets are not supported), got \(value.typeName)") }
            }
            if schema.isKeyAttribute(path.root) {
                throw .validation("cannot update attribute \(path.root): it is part of the key")
            }
            if let clash = paths.first(where: { $0.overlaps(path) }) {
                throw .validation("two document paths overlap with each other: \(clash) and \(path)")
            }
            paths.append(path)
        }
    }

    /// The item after the update; `item` nil means it did not exist and `key` seeds the new one.
    func apply(to item: Item?, key: Item) throws(StoreError) -> Item {
        var result = item ?? key
        var setValues: [(AttributePath, AttributeValue)] = []
        var additions: [(AttributePath, AttributeValue)] = []
        for action in actions {
            switch action {
            case let .set(path, value):
                setValues.append((path, try value.evaluate(item)))
            case .remove:
                break
            case let .add(path, amount):
                guard case .number(let delta) = amount else { continue }
                switch path.value(in: item) {
                case nil:
                    additions.append((path, amount))
                case .number(let current)?:
                    guard let sum = Number.adding(current, delta) else {
                        throw .validation("adding \(delta) to \(path) leaves the number range")
                    }
                    additions.append((path, .number(sum)))
                case let other?:
                    throw .validation("ADD needs \(path) to be a number, but it is \(other.typeName)")
                }
            }
        }
        for (path, value) in setValues { try path.set(value, in: &result) }
        for action in actions { if case .remove(let path) = action { path.remove(from: &result) } }
        for (path, value) in additions { try path.set(value, in: &result) }
        return result
    }
}
