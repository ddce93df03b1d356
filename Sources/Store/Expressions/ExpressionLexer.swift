/// A token of DynamoDB's expression language.
struct ExpressionToken: Equatable {
    enum Kind: Equatable {
        case identifier(String)
        /// `#name`: replaced by an expression attribute name.
        case nameReference(String)
        /// `:value`: replaced by an expression attribute value.
        case valueReference(String)
        case integer(Int)
        case comparator(Comparator)
        case leftParenthesis, rightParenthesis, comma, dot, leftBracket, rightBracket, plus, minus
        case end
    }

    var kind: Kind
    /// Offset in Unicode scalars from the start of the expression.
    var offset: Int

    /// The identifier in upper case, for keyword checks (keywords are case-insensitive).
    var keyword: String? {
        if case .identifier(let name) = kind { return name.uppercased() }
        return nil
    }
}

/// Splits an expression into tokens.
struct ExpressionLexer {
    static let maximumLength = 4096

    static func tokenize(_ text: String) throws(ExpressionError) -> [ExpressionToken] {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count <= maximumLength else {
            throw ExpressionError("expression is longer than \(maximumLength) characters", expression: String(text.prefix(64)) + "…", offset: maximumLength)
        }
        var tokens: [ExpressionToken] = []
        var i = 0
        func isWordScalar(_ s: Unicode.Scalar) -> Bool {
            (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || (s >= "0" && s <= "9") || s == "_"
        }
        func word(from start: Int) -> String {
            var end = start
            while end < scalars.count, isWordScalar(scalars[end]) { end += 1 }
            return String(String.UnicodeScalarView(scalars[start..<end]))
        }
        while i < scalars.count {
            let scalar = scalars[i]
            let start = i
            switch scalar {
            case " ", "\t", "\n", "\r":
                i += 1
                continue
            case "(": tokens.append(.init(kind: .leftParenthesis, offset: start)); i += 1
            case ")": tokens.append(.init(kind: .rightParenthesis, offset: start)); i += 1
            case ",": tokens.append(.init(kind: .comma, offset: start)); i += 1
            case ".": tokens.append(.init(kind: .dot, offset: start)); i += 1
            case "[": tokens.append(.init(kind: .leftBracket, offset: start)); i += 1
            case "]": tokens.append(.init(kind: .rightBracket, offset: start)); i += 1
            case "+": tokens.append(.init(kind: .plus, offset: start)); i += 1
            case "-": tokens.append(.init(kind: .minus, offset: start)); i += 1
            case "=": tokens.append(.init(kind: .comparator(.equal), offset: start)); i += 1
            case "<":
                let next = i + 1 < scalars.count ? scalars[i + 1] : " "
                if next == ">" { tokens.append(.init(kind: .comparator(.notEqual), offset: start)); i += 2 }
                else if next == "=" { tokens.append(.init(kind: .comparator(.lessOrEqual), offset: start)); i += 2 }
                else { tokens.append(.init(kind: .comparator(.less), offset: start)); i += 1 }
            case ">":
                if i + 1 < scalars.count, scalars[i + 1] == "=" { tokens.append(.init(kind: .comparator(.greaterOrEqual), offset: start)); i += 2 }
                else { tokens.append(.init(kind: .comparator(.greater), offset: start)); i += 1 }
            case "#", ":":
                let name = word(from: i + 1)
                guard !name.isEmpty else {
                    throw ExpressionError("'\(scalar)' must be followed by a placeholder name", expression: text, offset: start)
                }
                tokens.append(.init(kind: scalar == "#" ? .nameReference(name) : .valueReference(name), offset: start))
                i += 1 + name.unicodeScalars.count
            case "0"..."9":
                let digits = word(from: i)
                guard let value = Int(digits), digits.unicodeScalars.allSatisfy({ $0 >= "0" && $0 <= "9" }) else {
                    throw ExpressionError("invalid number \"\(digits)\"", expression: text, offset: start)
                }
                tokens.append(.init(kind: .integer(value), offset: start))
                i += digits.unicodeScalars.count
            default:
                guard isWordScalar(scalar) else {
                    throw ExpressionError("unexpected character '\(scalar)'", expression: text, offset: start)
                }
                let name = word(from: i)
                tokens.append(.init(kind: .identifier(name), offset: start))
                i += name.unicodeScalars.count
            }
        }
        tokens.append(.init(kind: .end, offset: scalars.count))
        return tokens
    }
}
