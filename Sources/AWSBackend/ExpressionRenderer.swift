import Store

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
