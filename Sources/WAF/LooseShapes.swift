/// The rules of paranoia level 2: looser shapes that catch what the level-1 rules let through when an
/// attack is cut down to its bare beginning, at the price of text that only looks like it. As with CRS,
/// an operator raises a family to PL2 where the application's fields never hold such text; `waf-eval
/// --paranoia FAMILY=2` measures both sides on a corpus.
///
/// One forward pass per value each, so their cost stays linear like the level-1 detectors'.
enum LooseShapes {
    static func find(_ attack: AttackClass, in value: [UInt8]) -> Finding? {
        guard value.count >= 2 else { return nil }
        switch attack {
        case .sqli: return sqlNextToQuote(Transforms.lowercase(value))
        case .xss: return anyTag(value)
        case .cmdi: return commandWord(Transforms.lowercase(value))
        case .traversal: return dotSegment(Transforms.lowercase(value))
        }
    }

    static let sqlWords: Set<String> = ["or", "and", "xor", "union", "select", "having", "order", "group", "where", "like", "rlike",
                                        "regexp", "into", "limit", "procedure", "exec", "execute", "waitfor", "div", "not", "is", "in",
                                        "sleep", "benchmark", "if", "case", "when", "then"]

    /// A quote or backtick then, past spaces and parentheses, a SQL keyword, operator or comment — the
    /// start of a break-out, whatever follows (`' or`, `") union`, `'--`, `'=`, `';`).
    static func sqlNextToQuote(_ v: [UInt8]) -> Finding? {
        for (index, byte) in v.enumerated() where byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "`") {
            var cursor = index + 1
            while cursor < v.count, cursor - index < 8, v[cursor] == 0x20 || v[cursor] == UInt8(ascii: ")") || v[cursor] == 0x09 { cursor += 1 }
            guard cursor < v.count else { continue }
            let next = v[cursor]
            if next == UInt8(ascii: "#") || next == UInt8(ascii: ";") || next == UInt8(ascii: "=") || next == UInt8(ascii: "|") {
                return Finding(rule: .sqlLoose, shape: "quote then SQL operator", offset: index)
            }
            if cursor + 1 < v.count, next == UInt8(ascii: "-") && v[cursor + 1] == UInt8(ascii: "-") || next == UInt8(ascii: "/") && v[cursor + 1] == UInt8(ascii: "*") {
                return Finding(rule: .sqlLoose, shape: "quote then SQL comment", offset: index)
            }
            // A keyword needs the space before it: `'s` and `'n'` are English.
            guard cursor > index + 1, Transforms.isLetter(next) else { continue }
            var end = cursor
            while end < v.count, end - cursor < 12, Transforms.isLetter(v[end]) { end += 1 }
            if end == v.count || !SQLLexer.isWordByte(v[end]), sqlWords.contains(String(decoding: v[cursor..<end], as: UTF8.self)) {
                return Finding(rule: .sqlLoose, shape: "quote then SQL keyword", offset: index)
            }
        }
        return nil
    }

    /// Any start or end tag: `<` and a letter, a name, then white space, `/` or `>` (`<b>`, `<x `, `</p>`).
    static func anyTag(_ v: [UInt8]) -> Finding? {
        var index = 0
        while index + 1 < v.count {
            if v[index] == UInt8(ascii: "<") {
                var cursor = index + 1
                if v[cursor] == UInt8(ascii: "/") { cursor += 1 }
                let nameStart = cursor
                while cursor < v.count, cursor - nameStart < 32, SQLLexer.isWordByte(v[cursor]) || v[cursor] == UInt8(ascii: "-") { cursor += 1 }
                if cursor > nameStart, Transforms.isLetter(v[nameStart]),
                   cursor < v.count, [0x20, 0x09, 0x0A, 0x0D, 0x0C, UInt8(ascii: "/"), UInt8(ascii: ">")].contains(v[cursor]) {
                    return Finding(rule: .markupLoose, shape: "HTML tag", offset: index)
                }
                index = max(index + 1, cursor)
                continue
            }
            index += 1
        }
        return nil
    }

    /// Commands level 1 does not know, since they are words in prose or harmless alone; after a separator
    /// at level 2 they count.
    static let proseCommands: Set<String> = ["sort", "cd", "make", "true", "false", "tee", "wc", "uniq", "cut", "tr", "xxd", "od", "strings",
                                             "yes", "test", "read", "source", "export", "alias", "unset", "history", "sh", "open", "call"]

    /// A command word, with or without arguments, straight after a shell separator (`;`, `|`, `&`, `&&`, a
    /// newline, a backtick, `$(`): `; ping example.com`, `| sort`, `&& make`, `& type notes.txt`.
    static func commandWord(_ v: [UInt8]) -> Finding? {
        var index = 0
        while index < v.count {
            let byte = v[index]
            var start: Int?
            switch byte {
            case UInt8(ascii: ";"), UInt8(ascii: "|"), UInt8(ascii: "&"), 0x0A, UInt8(ascii: "`"):
                start = index + 1
            case UInt8(ascii: "$") where index + 1 < v.count && v[index + 1] == UInt8(ascii: "("):
                start = index + 2
            default:
                break
            }
            if var cursor = start {
                while cursor < v.count, cursor - index < 8, v[cursor] == 0x20 || v[cursor] == UInt8(ascii: "|") || v[cursor] == UInt8(ascii: "&") { cursor += 1 }
                let wordStart = cursor
                while cursor < v.count, cursor - wordStart < 16, SQLLexer.isWordByte(v[cursor]) || v[cursor] == UInt8(ascii: ".") { cursor += 1 }
                let word = String(decoding: v[wordStart..<cursor], as: UTF8.self)
                if cursor == v.count || !SQLLexer.isWordByte(v[cursor]),
                   CommandInjectionDetector.strongCommands.contains(word) || CommandInjectionDetector.weakCommands.contains(word) || proseCommands.contains(word) {
                    return Finding(rule: .commandLoose, shape: "command word (\(word))", offset: index)
                }
                index = max(index + 1, wordStart)
                continue
            }
            index += 1
        }
        return nil
    }

    /// A `..` path segment anywhere (`../`, `/..`, `..\`), or a hidden file or directory segment
    /// (`/.name`) other than `/.well-known/`.
    static func dotSegment(_ v: [UInt8]) -> Finding? {
        for index in 0..<(v.count - 1) {
            let before = index == 0 ? UInt8(ascii: "/") : v[index - 1]
            let separatorBefore = before == UInt8(ascii: "/") || before == UInt8(ascii: "\\")
            if v[index] == UInt8(ascii: "."), v[index + 1] == UInt8(ascii: ".") {
                let after = index + 2 < v.count ? v[index + 2] : UInt8(ascii: "/")
                if after == UInt8(ascii: "/") || after == UInt8(ascii: "\\") || (separatorBefore && index > 0) {
                    return Finding(rule: .traversalLoose, shape: "dot-dot segment", offset: index)
                }
            }
            if v[index] == UInt8(ascii: "."), index > 0, separatorBefore, Transforms.isLetter(v[index + 1]),
               !XSSDetector.matches(".well-known/", v, at: index) {
                return Finding(rule: .traversalLoose, shape: "hidden file segment", offset: index)
            }
        }
        return nil
    }
}
