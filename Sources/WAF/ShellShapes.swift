/// Shell syntax that has no use outside a shell, found whatever command it runs: arithmetic expansion
/// `$((…))`, parameter expansion with an operator (`${#x}`, `${PATH:0:1}`, `${x%%y}`), here-strings `<<<`,
/// test brackets `[ 5 -ne ${n} ]`, command substitution of a command (`$(echo …)`, `` `id` ``), redirection
/// of a command to a path, and `cmd.exe`'s `for /f … in (…)` loop. And the obfuscations commix's tamper
/// scripts add — quotes and backslashes inside words, `$@`, unset variables, `${IFS}`, brace expansion —
/// undone by `normalized` before the command words are read again.
enum ShellShapes {
    static func find(_ v: [UInt8]) -> Finding? {
        var index = 0
        while index + 2 < v.count {
            let byte = v[index]
            if byte == UInt8(ascii: "$"), v[index + 1] == UInt8(ascii: "("), v[index + 2] == UInt8(ascii: "(") {
                // `$((` then a digit, a `$` or a name and an operator: arithmetic, not "$((19.99))" prose.
                var cursor = index + 3
                while cursor < min(v.count, index + 40), v[cursor] != UInt8(ascii: ")") {
                    if [UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "*"), UInt8(ascii: "/"), UInt8(ascii: "%")].contains(v[cursor]) {
                        return Finding(rule: .shellExpansion, shape: "arithmetic expansion", offset: index)
                    }
                    cursor += 1
                }
            }
            if byte == UInt8(ascii: "$"), v[index + 1] == UInt8(ascii: "{"), let shape = parameterExpansion(v, at: index + 2) {
                return Finding(rule: .shellExpansion, shape: shape, offset: index)
            }
            if byte == UInt8(ascii: "<"), v[index + 1] == UInt8(ascii: "<"), v[index + 2] == UInt8(ascii: "<") {
                return Finding(rule: .hereString, shape: "here-string", offset: index)
            }
            if byte == UInt8(ascii: "["), v[index + 1] == 0x20, testBracket(v, from: index + 2) { return Finding(rule: .testBracket, shape: "test bracket", offset: index) }
            if (byte == UInt8(ascii: "`") || (byte == UInt8(ascii: "$") && v[index + 1] == UInt8(ascii: "("))), substitutesCommand(v, from: byte == UInt8(ascii: "`") ? index + 1 : index + 2, closer: byte == UInt8(ascii: "`") ? UInt8(ascii: "`") : UInt8(ascii: ")")) {
                return Finding(rule: .commandSubstitution, shape: "command substitution", offset: index)
            }
            if byte == UInt8(ascii: "f"), XSSDetector.matches("for /f", v, at: index) || XSSDetector.matches("for /l", v, at: index),
               index == 0 || !SQLLexer.isWordByte(v[index - 1]), ByteSearch.find(" in (", in: v, from: index) != nil {
                return Finding(rule: .cmdForLoop, shape: "cmd.exe for loop", offset: index)
            }
            index += 1
        }
        return nil
    }

    /// After `${`: `#name}`, `!name}`, `name:…}`, `name%…}`, `name#…}`, `name/…}`, `name^…}`, `name,…}`, or IFS.
    static func parameterExpansion(_ v: [UInt8], at start: Int) -> String? {
        guard start < v.count else { return nil }
        var cursor = start
        if v[cursor] == UInt8(ascii: "#") || v[cursor] == UInt8(ascii: "!") { cursor += 1 }
        let nameStart = cursor
        while cursor < min(v.count, start + 32), SQLLexer.isWordByte(v[cursor]) { cursor += 1 }
        guard cursor > nameStart, cursor < v.count else { return nil }
        let name = v[nameStart..<cursor]
        if name.elementsEqual("ifs".utf8) { return "parameter expansion (IFS)" }
        if nameStart > start, v[cursor] == UInt8(ascii: "}") { return "parameter expansion" }
        let operators: [UInt8] = [UInt8(ascii: ":"), UInt8(ascii: "%"), UInt8(ascii: "#"), UInt8(ascii: "/"), UInt8(ascii: "^"), UInt8(ascii: ",")]
        guard operators.contains(v[cursor]) else { return nil }
        // The operator's argument and the closing brace, close by.
        return v[cursor..<min(v.count, cursor + 24)].contains(UInt8(ascii: "}")) ? "parameter expansion" : nil
    }

    /// `[ a -ne b ]`: a shell test with an integer or file operator.
    static func testBracket(_ v: [UInt8], from start: Int) -> Bool {
        let limit = min(v.count, start + 60)
        guard let close = v[start..<limit].firstIndex(of: UInt8(ascii: "]")) else { return false }
        let inside = Array(v[start..<close])
        return ["-eq ", "-ne ", "-lt ", "-gt ", "-le ", "-ge ", "-f ", "-d ", "-z ", "-n "].contains { ByteSearch.find($0, in: inside, from: 0) != nil }
    }

    /// `$(` or a backtick, then (after spaces) a command the detector knows, then the closer within 200 bytes.
    static func substitutesCommand(_ v: [UInt8], from start: Int, closer: UInt8) -> Bool {
        var cursor = start
        while cursor < v.count, v[cursor] == 0x20 || v[cursor] == 0x09 { cursor += 1 }
        let wordStart = cursor
        while cursor < min(v.count, wordStart + 32), SQLLexer.isWordByte(v[cursor]) { cursor += 1 }
        guard cursor - wordStart >= 2 else { return false }  // every command named is two letters or more
        let word = String(decoding: v[wordStart..<cursor], as: UTF8.self)
        guard CommandInjectionDetector.strongCommands.contains(word) || CommandInjectionDetector.weakCommands.contains(word) || word == "rev" else { return false }
        return v[cursor..<min(v.count, cursor + 200)].contains(closer)
    }

    /// Bytes tamper scripts put inside command words, which the shell drops.
    static let deletedInWords: [UInt8] = [UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "^")]

    /// The value with commix's tamper obfuscations undone, or nil when there is none to undo: quotes,
    /// backslashes and carets deleted, `$@`/`$*`/`$1`… and short unset `${x}` dropped, `${IFS}`/`$IFS` as a
    /// space, tabs as spaces, and `{a,b,c}` as `a b c`. Bounded: one pass, output no longer than the input.
    static func normalized(_ v: [UInt8]) -> [UInt8]? {
        // Most values hold none of the bytes an obfuscation needs: answer those without copying.
        guard v.contains(where: { deletedInWords.contains($0) || $0 == 0x09 || $0 == UInt8(ascii: "$") || $0 == UInt8(ascii: "{") }) else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(v.count)
        var changed = false
        var index = 0
        while index < v.count {
            let byte = v[index]
            switch byte {
            case _ where deletedInWords.contains(byte):
                changed = true
                index += 1
            case 0x09:
                out.append(0x20)
                changed = true
                index += 1
            case UInt8(ascii: "$") where index + 1 < v.count:
                let next = v[index + 1]
                if next == UInt8(ascii: "@") || next == UInt8(ascii: "*") || (next >= UInt8(ascii: "0") && next <= UInt8(ascii: "9")) {
                    changed = true
                    index += 2
                } else if XSSDetector.matches("${ifs}", v, at: index) {
                    out.append(0x20); changed = true; index += 6
                } else if XSSDetector.matches("$ifs", v, at: index) {
                    out.append(0x20); changed = true; index += 4
                } else if next == UInt8(ascii: "{"), let close = v[(index + 2)..<min(v.count, index + 6)].firstIndex(of: UInt8(ascii: "}")),
                          close > index + 2, v[(index + 2)..<close].allSatisfy({ $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }) {
                    changed = true
                    index = close + 1
                } else {
                    out.append(byte)
                    index += 1
                }
            case UInt8(ascii: "{"):
                // {cmd,arg,arg}: words and commas only, closed within 100 bytes.
                var cursor = index + 1
                var commas = 0
                while cursor < min(v.count, index + 100), v[cursor] != UInt8(ascii: "}"), v[cursor] != 0x20 {
                    if v[cursor] == UInt8(ascii: ",") { commas += 1 }
                    cursor += 1
                }
                if cursor < v.count, v[cursor] == UInt8(ascii: "}"), commas > 0 {
                    // The words inside keep the other undoings: `{c\\at,/etc/passwd}`.
                    for byte in v[(index + 1)..<cursor] where !Self.deletedInWords.contains(byte) {
                        out.append(byte == UInt8(ascii: ",") ? 0x20 : byte)
                    }
                    changed = true
                    index = cursor + 1
                } else {
                    out.append(byte)
                    index += 1
                }
            default:
                out.append(byte)
                index += 1
            }
        }
        return changed ? out : nil
    }
}
