import Foundation

/// One way an attribute may match a subscription's filter policy (SNS filter policy rules).
public enum FilterRule: Sendable, Hashable {
    /// The attribute is a string equal to this.
    case equals(String)
    /// The attribute is a number equal to this.
    case equalsNumber(Double)
    /// The attribute is a string starting with this.
    case prefix(String)
    /// The attribute is present and is none of these strings or numbers.
    case anythingBut(strings: [String], numbers: [Double])
    /// The attribute is a number satisfying every comparison (e.g. `> 0` and `<= 5`).
    case numeric([NumericComparison])
    /// The attribute is present (true) or absent (false).
    case exists(Bool)

    public struct NumericComparison: Sendable, Hashable {
        public enum Operator: String, Sendable, CaseIterable { case equal = "=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">=" }
        public var op: Operator
        public var value: Double

        public init(_ op: Operator, _ value: Double) {
            self.op = op
            self.value = value
        }

        func holds(for number: Double) -> Bool {
            switch op {
            case .equal: number == value
            case .less: number < value
            case .lessOrEqual: number <= value
            case .greater: number > value
            case .greaterOrEqual: number >= value
            }
        }
    }
}

/// Which published messages a subscription receives: every named attribute must match one of its rules.
/// An empty policy accepts everything.
public struct FilterPolicy: Sendable, Hashable {
    public var rules: [String: [FilterRule]]

    public init(_ rules: [String: [FilterRule]] = [:]) { self.rules = rules }

    /// Whether a message with `attributes` passes.
    public func accepts(_ attributes: [String: MessageAttributeValue]) -> Bool {
        rules.allSatisfy { name, alternatives in
            alternatives.contains { Self.matches($0, attributes[name]) }
        }
    }

    private static func matches(_ rule: FilterRule, _ value: MessageAttributeValue?) -> Bool {
        switch rule {
        case .exists(let wanted):
            return (value != nil) == wanted
        case .equals(let text):
            if case .string(let s)? = value { return s == text }
            return false
        case .equalsNumber(let number):
            return numericValue(value) == number
        case .prefix(let start):
            if case .string(let s)? = value { return s.hasPrefix(start) }
            return false
        case let .anythingBut(strings, numbers):
            switch value {
            case .string(let s)?: return !strings.contains(s)
            case .number?: return numericValue(value).map { !numbers.contains($0) } ?? false
            case .binary?: return true
            case nil: return false
            }
        case .numeric(let comparisons):
            guard let number = numericValue(value) else { return false }
            return comparisons.allSatisfy { $0.holds(for: number) }
        }
    }

    private static func numericValue(_ value: MessageAttributeValue?) -> Double? {
        if case .number(let text)? = value { return Double(text) }
        return nil
    }

    /// Parses SNS filter-policy JSON, e.g. `{"kind":["order",{"prefix":"drop-"}],"total":[{"numeric":[">",0,"<=",5000]}]}`.
    public init(json: String) throws(BrokerError) {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: Data(json.utf8)) } catch {
            throw .validation("filter policy is not valid JSON")
        }
        guard let map = object as? [String: Any] else { throw .validation("a filter policy is a JSON object of attribute names to rule lists") }
        guard map.count <= 5 else { throw .validation("a filter policy names at most 5 attributes, this one names \(map.count)") }
        var rules: [String: [FilterRule]] = [:]
        for (name, raw) in map {
            guard let list = raw as? [Any], !list.isEmpty else { throw .validation("filter policy rules for \"\(name)\" must be a non-empty array") }
            guard list.count <= 150 else { throw .validation("filter policy attribute \"\(name)\" has more than 150 values") }
            rules[name] = try list.map { (element) throws(BrokerError) in try Self.rule(element, attribute: name) }
        }
        self.rules = rules
    }

    private static func rule(_ element: Any, attribute: String) throws(BrokerError) -> FilterRule {
        if let text = element as? String { return .equals(text) }
        if let number = element as? NSNumber, String(cString: number.objCType) != "c" { return .equalsNumber(number.doubleValue) }
        guard let object = element as? [String: Any], object.count == 1, let (kind, value) = object.first else {
            throw .validation("filter policy rule for \"\(attribute)\" must be a string, a number or a one-key object")
        }
        switch kind {
        case "prefix":
            guard let text = value as? String else { throw .validation("\"prefix\" for \"\(attribute)\" takes a string") }
            return .prefix(text)
        case "exists":
            guard let flag = value as? NSNumber, String(cString: flag.objCType) == "c" else {
                throw .validation("\"exists\" for \"\(attribute)\" takes true or false")
            }
            return .exists(flag.boolValue)
        case "anything-but":
            let values = (value as? [Any]) ?? [value]
            var strings: [String] = [], numbers: [Double] = []
            for candidate in values {
                if let text = candidate as? String { strings.append(text) } else if let number = candidate as? NSNumber { numbers.append(number.doubleValue) } else {
                    throw .validation("\"anything-but\" for \"\(attribute)\" takes strings or numbers")
                }
            }
            return .anythingBut(strings: strings, numbers: numbers)
        case "numeric":
            guard let terms = value as? [Any], !terms.isEmpty, terms.count % 2 == 0, terms.count <= 4 else {
                throw .validation("\"numeric\" for \"\(attribute)\" takes one or two operator-value pairs, e.g. [\">\", 0, \"<=\", 5]")
            }
            var comparisons: [FilterRule.NumericComparison] = []
            for index in stride(from: 0, to: terms.count, by: 2) {
                guard let symbol = terms[index] as? String, let op = FilterRule.NumericComparison.Operator(rawValue: symbol),
                      let number = terms[index + 1] as? NSNumber else {
                    throw .validation("\"numeric\" for \"\(attribute)\" has a bad operator or value at position \(index)")
                }
                comparisons.append(.init(op, number.doubleValue))
            }
            return .numeric(comparisons)
        default:
            throw .validation("unknown filter policy rule \"\(kind)\" for \"\(attribute)\"")
        }
    }
}
