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
    /// Byte offset of the token in the lexed value: where a finding's evidence is.
    var start = 0

    init(kind: Kind, text: String, start: Int = 0) {
        self.kind = kind
        self.text = text
        self.start = start
    }

    static func == (lhs: SQLToken, rhs: SQLToken) -> Bool { lhs.kind == rhs.kind && lhs.text == rhs.text }

    static let operators: [String] = ["<=>", "||", "&&", "<=", ">=", "<>", "!=", "==", ":=", "=", "<", ">", "+", "-", "*", "/", "%", "|", "&", "^", "~", "!"]

    /// The longest operator of `operators` at `index`, and its length. A switch on the byte rather than a
    /// walk through the list: this runs for every punctuation byte of every inspected value.
    static func `operator`(in input: [UInt8], at index: Int) -> (String, Int)? {
        let next: UInt8 = index + 1 < input.count ? input[index + 1] : 0
        switch input[index] {
        case UInt8(ascii: "<"):
            if next == UInt8(ascii: "="), index + 2 < input.count, input[index + 2] == UInt8(ascii: ">") { return ("<=>", 3) }
            if next == UInt8(ascii: "=") { return ("<=", 2) }
            return next == UInt8(ascii: ">") ? ("<>", 2) : ("<", 1)
        case UInt8(ascii: ">"): return next == UInt8(ascii: "=") ? (">=", 2) : (">", 1)
        case UInt8(ascii: "="): return next == UInt8(ascii: "=") ? ("==", 2) : ("=", 1)
        case UInt8(ascii: "!"): return next == UInt8(ascii: "=") ? ("!=", 2) : ("!", 1)
        case UInt8(ascii: "|"): return next == UInt8(ascii: "|") ? ("||", 2) : ("|", 1)
        case UInt8(ascii: "&"): return next == UInt8(ascii: "&") ? ("&&", 2) : ("&", 1)
        case UInt8(ascii: ":"): return next == UInt8(ascii: "=") ? (":=", 2) : nil
        case UInt8(ascii: "+"): return ("+", 1)
        case UInt8(ascii: "-"): return ("-", 1)
        case UInt8(ascii: "*"): return ("*", 1)
        case UInt8(ascii: "/"): return ("/", 1)
        case UInt8(ascii: "%"): return ("%", 1)
        case UInt8(ascii: "^"): return ("^", 1)
        case UInt8(ascii: "~"): return ("~", 1)
        case UInt8(ascii: "\\"): return ("\\", 1)  // integer division in some dialects (`5\2=2`)
        default: return nil
        }
    }
}

enum SQLLexer {
    /// Tokens of `input` (already lowercased). `openQuote`, when given, lexes as if the text sat inside a
    /// string the application opened with that quote: the first matching quote closes it, and what follows
    /// is code — how a `'`-based injection is meant to run.
    static func tokens(_ input: [UInt8], insideQuote openQuote: UInt8? = nil) -> [SQLToken] {
        var tokens: [SQLToken] = []
        var index = 0
        var closers = QuoteClosers(input)
        // Executable comments opened and not yet closed: their `*/` is punctuation, not an operator.
        var openExecutableComments = 0
        if let openQuote {
            guard let close = closers.closingQuote(from: 0, quote: openQuote) else { return [] }
            tokens.append(SQLToken(kind: .strayQuote, text: String(UnicodeScalar(openQuote)), start: close))
            index = close + 1
        }
        while index < input.count {
            let byte = input[index]
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C, 0xA0:
                index += 1
            case UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`"):
                if let close = closers.closingQuote(from: index + 1, quote: byte) {
                    tokens.append(SQLToken(kind: byte == UInt8(ascii: "`") ? .word : .string,
                                           text: String(decoding: input[(index + 1)..<close], as: UTF8.self), start: index))
                    index = close + 1
                } else {
                    tokens.append(SQLToken(kind: .strayQuote, text: String(UnicodeScalar(byte)), start: index))
                    index += 1
                }
            case UInt8(ascii: "("): tokens.append(SQLToken(kind: .leftParen, text: "(", start: index)); index += 1
            case UInt8(ascii: ")"): tokens.append(SQLToken(kind: .rightParen, text: ")", start: index)); index += 1
            case UInt8(ascii: ","): tokens.append(SQLToken(kind: .comma, text: ",", start: index)); index += 1
            case UInt8(ascii: ";"): tokens.append(SQLToken(kind: .semicolon, text: ";", start: index)); index += 1
            case UInt8(ascii: "#"):
                tokens.append(SQLToken(kind: .comment, text: restIsBlank(input, after: index + 1) ? "#" : "#…", start: index))
                index = input.count
            case UInt8(ascii: "-") where index + 1 < input.count && input[index + 1] == UInt8(ascii: "-"):
                tokens.append(SQLToken(kind: .comment, text: restIsBlank(input, after: index + 2) ? "--" : "--…", start: index))
                index = input.count
            case UInt8(ascii: "/") where index + 1 < input.count && input[index + 1] == UInt8(ascii: "*"):
                // MySQL runs the text of /*! … */ (and /*!50000 … */) as code; other comments separate tokens.
                // The code is lexed in place — the opener skipped here, the closer where it is met — so no
                // input, however deeply it repeats the opener, makes the lexer recurse or rescan.
                if index + 2 < input.count, input[index + 2] == UInt8(ascii: "!") {
                    index += 3
                    while index < input.count, input[index] >= UInt8(ascii: "0"), input[index] <= UInt8(ascii: "9") { index += 1 }
                    openExecutableComments += 1
                    continue
                }
                var end = index + 2
                while end + 1 < input.count, !(input[end] == UInt8(ascii: "*") && input[end + 1] == UInt8(ascii: "/")) { end += 1 }
                // An unclosed one runs to the end of the value: it cuts the application's query off there.
                let closed = end + 1 < input.count
                tokens.append(SQLToken(kind: .comment, text: closed ? "/*" : "/*…", start: index))
                index = end + 2
            case UInt8(ascii: "*") where openExecutableComments > 0 && index + 1 < input.count && input[index + 1] == UInt8(ascii: "/"):
                openExecutableComments -= 1
                index += 2
            case UInt8(ascii: "@"):
                var end = index + 1
                while end < input.count, input[end] == UInt8(ascii: "@") || isWordByte(input[end]) { end += 1 }
                tokens.append(SQLToken(kind: .variable, text: String(decoding: input[index..<end], as: UTF8.self), start: index))
                index = end
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."):
                var end = index + 1
                while end < input.count, isWordByte(input[end]) || input[end] == UInt8(ascii: ".") { end += 1 }
                if byte == UInt8(ascii: "."), end == index + 1 {
                    tokens.append(SQLToken(kind: .op, text: ".", start: index))
                } else {
                    // Digits, dots, hex digits and the x of 0x: a number (input is lowercase already).
                    let numeric = input[index..<end].allSatisfy {
                        ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f"))
                            || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "x")
                    }
                    tokens.append(SQLToken(kind: numeric ? .number : .word, text: String(decoding: input[index..<end], as: UTF8.self), start: index))
                }
                index = end
            default:
                if isWordByte(byte) {
                    var end = index + 1
                    while end < input.count, isWordByte(input[end]) || input[end] == UInt8(ascii: ".") { end += 1 }
                    tokens.append(SQLToken(kind: .word, text: String(decoding: input[index..<end], as: UTF8.self), start: index))
                    index = end
                } else if let (op, length) = SQLToken.operator(in: input, at: index) {
                    tokens.append(SQLToken(kind: .op, text: op, start: index))
                    index += length
                } else {
                    index += 1  // punctuation SQL has no use for
                }
            }
        }
        return tokens
    }

    /// The index of the quote closing a string that starts at `from` (a doubled quote or a backslash escapes).
    static func closingQuote(_ input: [UInt8], from start: Int, quote: UInt8) -> Int? {
        var closers = QuoteClosers(input)
        return closers.closingQuote(from: start, quote: quote)
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

/// Where the string that starts at a given index ends, for each quote character, answered in amortised
/// constant time. Scanning forward from each quote is quadratic on a value of unclosed quotes (`'\'\'\'…`:
/// every quote scans to the end and finds nothing), so after the first scan that finds no closer the whole
/// answer table for that quote is built in one backward pass.
struct QuoteClosers {
    private let input: [UInt8]
    /// Per quote character (`'`, `"`, `` ` ``): for each start index, the closing index or -1.
    private var tables: [UInt8: [Int32]] = [:]

    init(_ input: [UInt8]) {
        self.input = input
    }

    /// The index of the quote closing a string that starts at `start` (a doubled quote or a backslash escapes).
    mutating func closingQuote(from start: Int, quote: UInt8) -> Int? {
        if let table = tables[quote] { return start < table.count && table[start] >= 0 ? Int(table[start]) : nil }
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
        tables[quote] = Self.table(input, quote: quote)
        return nil
    }

    /// close(i) = close(i + 2) after a backslash or at a doubled quote, i at a lone quote, else close(i + 1).
    private static func table(_ input: [UInt8], quote: UInt8) -> [Int32] {
        let count = input.count
        var table = [Int32](repeating: -1, count: count + 2)
        var index = count - 1
        while index >= 0 {
            let byte = input[index]
            if byte == UInt8(ascii: "\\") {
                table[index] = table[index + 2]
            } else if byte == quote {
                table[index] = index + 1 < count && input[index + 1] == quote ? table[index + 2] : Int32(index)
            } else {
                table[index] = table[index + 1]
            }
            index -= 1
        }
        return table
    }
}
