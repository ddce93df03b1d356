/// A value read as a SQL lexer would read it: words (keywords, identifiers, function names), numbers
/// (including hex and `0x…`), quoted strings, operators, punctuation, comments and `@`/`@@` variables.
/// Only the lexing; what is an injection is `SQLInjectionDetector`'s question.
struct SQLToken: Equatable {
    enum Kind: Equatable {
        case word, number, string, op, leftParen, rightParen, comma, semicolon, comment, variable
        /// A quote that opens nothing: the text ended inside a string, or a quote closed a string the value
        /// did not open — the mark of breaking out of the application's quoting.
        case strayQuote
    }

    var kind: Kind
    /// Lowercased text of words and operators; the delimiter for strings and stray quotes.
    var text: String

    static let operators: [String] = ["<=>", "||", "&&", "<=", ">=", "<>", "!=", "==", ":=", "=", "<", ">", "+", "-", "*", "/", "%", "|", "&", "^", "~", "!"]
}

enum SQLLexer {
    /// Tokens of `input` (already lowercased). `openQuote`, when given, lexes as if the text sat inside a
    /// string the application opened with that quote: the first matching quote closes it, and what follows
    /// is code — how a `'`-based injection is meant to run.
    static func tokens(_ input: [UInt8], insideQuote openQuote: UInt8? = nil, limit: Int = 400) -> [SQLToken] {
        var tokens: [SQLToken] = []
        var index = 0
        if let openQuote {
            guard let close = closingQuote(input, from: 0, quote: openQuote) else { return [] }
            index = close + 1
            tokens.append(SQLToken(kind: .strayQuote, text: String(UnicodeScalar(openQuote))))
        }
        while index < input.count, tokens.count < limit {
            let byte = input[index]
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C, 0xA0:
                index += 1
            case UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`"):
                if let close = closingQuote(input, from: index + 1, quote: byte) {
                    tokens.append(SQLToken(kind: byte == UInt8(ascii: "`") ? .word : .string,
                                           text: String(decoding: input[(index + 1)..<close], as: UTF8.self)))
                    index = close + 1
                } else {
                    tokens.append(SQLToken(kind: .strayQuote, text: String(UnicodeScalar(byte))))
                    index += 1
                }
            case UInt8(ascii: "("): tokens.append(SQLToken(kind: .leftParen, text: "(")); index += 1
            case UInt8(ascii: ")"): tokens.append(SQLToken(kind: .rightParen, text: ")")); index += 1
            case UInt8(ascii: ","): tokens.append(SQLToken(kind: .comma, text: ",")); index += 1
            case UInt8(ascii: ";"): tokens.append(SQLToken(kind: .semicolon, text: ";")); index += 1
            case UInt8(ascii: "#"):
                tokens.append(SQLToken(kind: .comment, text: restIsBlank(input, after: index + 1) ? "#" : "#…"))
                index = input.count
            case UInt8(ascii: "-") where index + 1 < input.count && input[index + 1] == UInt8(ascii: "-"):
                tokens.append(SQLToken(kind: .comment, text: restIsBlank(input, after: index + 2) ? "--" : "--…"))
                index = input.count
            case UInt8(ascii: "/") where index + 1 < input.count && input[index + 1] == UInt8(ascii: "*"):
                // MySQL runs the text of /*! … */ as code; other comments separate tokens.
                var end = index + 2
                while end + 1 < input.count, !(input[end] == UInt8(ascii: "*") && input[end + 1] == UInt8(ascii: "/")) { end += 1 }
                let executable = index + 2 < input.count && input[index + 2] == UInt8(ascii: "!")
                if executable {
                    var start = index + 3
                    while start < end, input[start] >= UInt8(ascii: "0"), input[start] <= UInt8(ascii: "9") { start += 1 }
                    tokens.append(contentsOf: Self.tokens(Array(input[start..<min(end, input.count)]), limit: limit - tokens.count))
                } else {
                    tokens.append(SQLToken(kind: .comment, text: "/*"))
                }
                index = end + 2
            case UInt8(ascii: "@"):
                var end = index + 1
                while end < input.count, input[end] == UInt8(ascii: "@") || isWordByte(input[end]) { end += 1 }
                tokens.append(SQLToken(kind: .variable, text: String(decoding: input[index..<end], as: UTF8.self)))
                index = end
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."):
                var end = index + 1
                while end < input.count, isWordByte(input[end]) || input[end] == UInt8(ascii: ".") { end += 1 }
                if byte == UInt8(ascii: "."), end == index + 1 {
                    tokens.append(SQLToken(kind: .op, text: "."))
                } else {
                    // Digits, dots, hex digits and the x of 0x: a number (input is lowercase already).
                    let numeric = input[index..<end].allSatisfy {
                        ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f"))
                            || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "x")
                    }
                    tokens.append(SQLToken(kind: numeric ? .number : .word, text: String(decoding: input[index..<end], as: UTF8.self)))
                }
                index = end
            default:
                if isWordByte(byte) {
                    var end = index + 1
                    while end < input.count, isWordByte(input[end]) || input[end] == UInt8(ascii: ".") { end += 1 }
                    tokens.append(SQLToken(kind: .word, text: String(decoding: input[index..<end], as: UTF8.self)))
                    index = end
                } else if let op = SQLToken.operators.first(where: { matches($0, input, at: index) }) {
                    tokens.append(SQLToken(kind: .op, text: op))
                    index += op.utf8.count
                } else {
                    index += 1  // punctuation SQL has no use for
                }
            }
        }
        return tokens
    }

    /// The index of the quote closing a string that starts at `from` (a doubled quote or a backslash escapes).
    static func closingQuote(_ input: [UInt8], from start: Int, quote: UInt8) -> Int? {
        var index = start
        while index < input.count {
            let byte = input[index]
            if byte == UInt8(ascii: "\\") {
                index += 2
                continue
            }
            if byte == quote {
                if index + 1 < input.count, input[index + 1] == quote {
                    index += 2
                    continue
                }
                return index
            }
            index += 1
        }
        return nil
    }

    /// Whether only spaces (or `-`, `+`, which end `-- ` style comments in payload lists) follow `after`.
    static func restIsBlank(_ input: [UInt8], after index: Int) -> Bool {
        input[min(index, input.count)...].allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "+") || $0 == 0x0A || $0 == 0x0D }
    }

    static func isWordByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "$") || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }

    static func matches(_ op: String, _ input: [UInt8], at index: Int) -> Bool {
        let bytes = op.utf8
        guard index + bytes.count <= input.count else { return false }
        return zip(bytes, input[index...]).allSatisfy { $0 == $1 }
    }
}
