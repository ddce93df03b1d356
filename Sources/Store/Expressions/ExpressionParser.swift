/// Parses DynamoDB condition and update expressions into `Condition` and `UpdateExpression`,
/// substituting `#name` and `:value` placeholders.
struct ExpressionParser {
    static let maximumDepth = 64
    static let keywords: Set<String> = ["AND", "OR", "NOT", "BETWEEN", "IN", "SET", "REMOVE", "ADD", "DELETE"]

    private let text: String
    private let tokens: [ExpressionToken]
    private let names: [String: String]
    private let values: [String: AttributeValue]
    private var position = 0
    private var depth = 0

    init(_ text: String, names: [String: String], values: [String: AttributeValue]) throws(ExpressionError) {
        self.text = text
        self.names = names
        self.values = values
        tokens = try ExpressionLexer.tokenize(text)
    }

    // MARK: Conditions

    mutating func parseConditionExpression() throws(ExpressionError) -> Condition {
        guard current.kind != .end else { throw error("the condition is empty") }
        let condition = try parseOr()
        guard current.kind == .end else { throw error("unexpected \(describe(current)) after the condition") }
        return condition
    }

    private mutating func parseOr() throws(ExpressionError) -> Condition {
        var condition = try parseAnd()
        while current.keyword == "OR" {
            advance()
            condition = .or(condition, try parseAnd())
        }
        return condition
    }

    private mutating func parseAnd() throws(ExpressionError) -> Condition {
        var condition = try parseNot()
        while current.keyword == "AND" {
            advance()
            condition = .and(condition, try parseNot())
        }
        return condition
    }

    private mutating func parseNot() throws(ExpressionError) -> Condition {
        if current.keyword == "NOT" {
            advance()
            return .not(try nested { (p: inout ExpressionParser) throws(ExpressionError) in try p.parseNot() })
        }
        return try parsePrimary()
    }

    private mutating func parsePrimary() throws(ExpressionError) -> Condition {
        if current.kind == .leftParenthesis {
            advance()
            let inner = try nested { (p: inout ExpressionParser) throws(ExpressionError) in try p.parseOr() }
            try expect(.rightParenthesis, "')' to close the parenthesis")
            return inner
        }
        if case .identifier(let name) = current.kind, peek.kind == .leftParenthesis, name != "size" {
            return try parseFunction(name)
        }
        let operand = try parseOperand()
        switch current.kind {
        case .comparator(let comparator):
            advance()
            return .comparison(operand, comparator, try parseOperand())
        default:
            break
        }
        switch current.keyword {
        case "BETWEEN":
            advance()
            let low = try parseOperand()
            guard current.keyword == "AND" else { throw error("BETWEEN needs AND between its bounds") }
            advance()
            return .between(operand, low, try parseOperand())
        case "IN":
            advance()
            try expect(.leftParenthesis, "'(' after IN")
            var candidates = [try parseOperand()]
            while current.kind == .comma {
                advance()
                candidates.append(try parseOperand())
            }
            try expect(.rightParenthesis, "')' to close the IN list")
            guard candidates.count <= 100 else { throw error("IN takes at most 100 values") }
            return .isIn(operand, candidates)
        default:
            throw error("expected a comparator, BETWEEN or IN, found \(describe(current))")
        }
    }

    private mutating func parseFunction(_ name: String) throws(ExpressionError) -> Condition {
        let start = current
        advance()
        advance() // (
        let path = try parsePath()
        let condition: Condition
        switch name {
        case "attribute_exists":
            condition = .attributeExists(path)
        case "attribute_not_exists":
            condition = .attributeNotExists(path)
        case "attribute_type", "begins_with", "contains":
            try expect(.comma, "',' and a second argument to \(name)")
            let argument = try parseOperand()
            if name == "attribute_type" {
                guard case .value(.string(let descriptor)) = argument, let type = AttributeType(rawValue: descriptor) else {
                    throw error("attribute_type takes a value placeholder holding a type descriptor (S, N, BOOL, NULL, L, M, B)", at: start)
                }
                condition = .attributeType(path, type)
            } else {
                condition = name == "begins_with" ? .beginsWith(path, argument) : .contains(path, argument)
            }
        default:
            throw error("unknown function \(name)", at: start)
        }
        try expect(.rightParenthesis, "')' to close \(name)")
        return condition
    }

    private mutating func parseOperand() throws(ExpressionError) -> Operand {
        if case .valueReference(let name) = current.kind {
            let value = try resolveValue(name)
            advance()
            return .value(value)
        }
        if case .identifier("size") = current.kind, peek.kind == .leftParenthesis {
            advance()
            advance()
            let path = try parsePath()
            try expect(.rightParenthesis, "')' to close size")
            return .size(path)
        }
        return .path(try parsePath())
    }

    // MARK: Paths and placeholders

    private mutating func parsePath() throws(ExpressionError) -> AttributePath {
        var elements: [AttributePath.Element] = [.name(try parseName())]
        while true {
            if current.kind == .dot {
                advance()
                elements.append(.name(try parseName()))
            } else if current.kind == .leftBracket {
                advance()
                guard case .integer(let index) = current.kind else { throw error("expected a list index inside []") }
                advance()
                try expect(.rightBracket, "']' after the list index")
                elements.append(.index(index))
            } else {
                break
            }
            guard elements.count <= 32 else { throw error("document path is nested more than 32 levels") }
        }
        return AttributePath(elements: elements)
    }

    private mutating func parseName() throws(ExpressionError) -> String {
        switch current.kind {
        case .identifier(let name):
            if Self.keywords.contains(name.uppercased()) {
                throw error("\(name) is a reserved word; use an expression attribute name (#placeholder) for it")
            }
            guard let first = name.unicodeScalars.first, !(first >= "0" && first <= "9") else {
                throw error("attribute names cannot start with a digit")
            }
            advance()
            return name
        case .nameReference(let placeholder):
            guard let name = names["#" + placeholder] else {
                throw error("expression attribute name #\(placeholder) is not defined")
            }
            advance()
            return name
        default:
            throw error("expected an attribute name, found \(describe(current))")
        }
    }

    private func resolveValue(_ placeholder: String) throws(ExpressionError) -> AttributeValue {
        guard let value = values[":" + placeholder] else {
            throw error("expression attribute value :\(placeholder) is not defined")
        }
        return value
    }

    // MARK: Updates

    mutating func parseUpdateExpression() throws(ExpressionError) -> UpdateExpression {
        var actions: [UpdateExpression.Action] = []
        var seenClauses: Set<String> = []
        guard current.kind != .end else { throw error("the update expression is empty") }
        while current.kind != .end {
            guard let clause = current.keyword, ["SET", "REMOVE", "ADD", "DELETE"].contains(clause) else {
                throw error("expected SET, REMOVE or ADD, found \(describe(current))")
            }
            guard seenClauses.insert(clause).inserted else { throw error("the \(clause) clause appears more than once") }
            if clause == "DELETE" { throw error("DELETE removes elements from sets, and this store has no set types") }
            advance()
            while true {
                switch clause {
                case "SET":
                    let path = try parsePath()
                    try expect(.comparator(.equal), "'=' in the SET action")
                    actions.append(.set(path, try parseSetValue()))
                case "REMOVE":
                    actions.append(.remove(try parsePath()))
                default:
                    let path = try parsePath()
                    guard case .valueReference(let name) = current.kind else { throw error("ADD needs a value placeholder after \(path)") }
                    let value = try resolveValue(name)
                    advance()
                    actions.append(.add(path, value))
                }
                guard current.kind == .comma else { break }
                advance()
            }
        }
        return UpdateExpression(actions)
    }

    private mutating func parseSetValue() throws(ExpressionError) -> SetValue {
        let lhs = try parseSetOperand()
        switch current.kind {
        case .plus:
            advance()
            return .plus(lhs, try parseSetOperand())
        case .minus:
            advance()
            return .minus(lhs, try parseSetOperand())
        default:
            return lhs
        }
    }

    private mutating func parseSetOperand() throws(ExpressionError) -> SetValue {
        if case .valueReference(let name) = current.kind {
            let value = try resolveValue(name)
            advance()
            return .value(value)
        }
        if case .identifier(let function) = current.kind, peek.kind == .leftParenthesis {
            advance()
            advance()
            let result: SetValue
            switch function {
            case "if_not_exists":
                let path = try parsePath()
                try expect(.comma, "',' in if_not_exists")
                result = .ifNotExists(path, try nested { (p: inout ExpressionParser) throws(ExpressionError) in try p.parseSetOperand() })
            case "list_append":
                let first = try nested { (p: inout ExpressionParser) throws(ExpressionError) in try p.parseSetOperand() }
                try expect(.comma, "',' in list_append")
                result = .listAppend(first, try nested { (p: inout ExpressionParser) throws(ExpressionError) in try p.parseSetOperand() })
            default:
                throw error("unknown function \(function) in SET")
            }
            try expect(.rightParenthesis, "')' to close \(function)")
            return result
        }
        return .path(try parsePath())
    }

    // MARK: Helpers

    private var current: ExpressionToken { tokens[position] }
    private var peek: ExpressionToken { tokens[min(position + 1, tokens.count - 1)] }

    private mutating func advance() {
        if position < tokens.count - 1 { position += 1 }
    }

    private mutating func expect(_ kind: ExpressionToken.Kind, _ what: String) throws(ExpressionError) {
        guard current.kind == kind else { throw error("expected \(what), found \(describe(current))") }
        advance()
    }

    private mutating func nested<T>(_ body: (inout ExpressionParser) throws(ExpressionError) -> T) throws(ExpressionError) -> T {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else { throw error("expression is nested more than \(Self.maximumDepth) levels deep") }
        return try body(&self)
    }

    private func error(_ message: String, at token: ExpressionToken? = nil) -> ExpressionError {
        ExpressionError(message, expression: text, offset: (token ?? current).offset)
    }

    private func describe(_ token: ExpressionToken) -> String {
        switch token.kind {
        case .identifier(let name): "\"\(name)\""
        case .nameReference(let name): "#\(name)"
        case .valueReference(let name): ":\(name)"
        case .integer(let value): "\(value)"
        case .comparator(let comparator): "'\(comparator.rawValue)'"
        case .leftParenthesis: "'('"
        case .rightParenthesis: "')'"
        case .comma: "','"
        case .dot: "'.'"
        case .leftBracket: "'['"
        case .rightBracket: "']'"
        case .plus: "'+'"
        case .minus: "'-'"
        case .end: "the end of the expression"
        }
    }
}

extension Condition {
    /// Parses a DynamoDB condition expression, e.g. `attribute_exists(#id) AND stock >= :one`.
    public init(parsing expression: String, names: [String: String] = [:], values: [String: AttributeValue] = [:]) throws(StoreError) {
        do {
            var parser = try ExpressionParser(expression, names: names, values: values)
            self = try parser.parseConditionExpression()
        } catch {
            throw .expression(error)
        }
    }
}

extension UpdateExpression {
    /// Parses a DynamoDB update expression, e.g. `SET #n = :name REMOVE tmp ADD stock :minusOne`.
    public init(parsing expression: String, names: [String: String] = [:], values: [String: AttributeValue] = [:]) throws(StoreError) {
        do {
            var parser = try ExpressionParser(expression, names: names, values: values)
            self = try parser.parseUpdateExpression()
        } catch {
            throw .expression(error)
        }
    }
}
