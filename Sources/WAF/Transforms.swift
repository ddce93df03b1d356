/// The decoding and normalising steps an inspected value goes through before a detector looks at it, as
/// attacks need them: each undoes one way of hiding a payload. All work on UTF-8 bytes, never fail, and
/// leave what they cannot decode as it was (an attacker's malformed escape is still evidence).
public enum Transforms {
    /// Percent-decoding, repeated until nothing changes (at most `maximumPasses`), so double and triple
    /// encoding unwrap; `%uXXXX` (IIS) decodes to UTF-8; `+` becomes a space when `plusAsSpace`.
    public static func urlDecode(_ input: [UInt8], plusAsSpace: Bool = true, maximumPasses: Int = 3) -> [UInt8] {
        var current = input
        for pass in 0..<maximumPasses {
            let (decoded, changed) = urlDecodeOnce(current, plusAsSpace: plusAsSpace && pass == 0)
            if !changed { break }
            current = decoded
        }
        return current
    }

    static func urlDecodeOnce(_ input: [UInt8], plusAsSpace: Bool) -> ([UInt8], Bool) {
        guard input.contains(where: { $0 == UInt8(ascii: "%") || (plusAsSpace && $0 == UInt8(ascii: "+")) }) else { return (input, false) }
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        var changed = false
        var index = 0
        while index < input.count {
            let byte = input[index]
            if byte == UInt8(ascii: "+"), plusAsSpace {
                output.append(UInt8(ascii: " "))
                changed = true
                index += 1
                continue
            }
            if byte == UInt8(ascii: "%") {
                if index + 6 <= input.count, input[index + 1] | 0x20 == UInt8(ascii: "u"),
                   let code = hexValue(input[(index + 2)..<(index + 6)]) {
                    appendUTF8(code, to: &output)
                    changed = true
                    index += 6
                    continue
                }
                if index + 3 <= input.count, let value = hexValue(input[(index + 1)..<(index + 3)]) {
                    output.append(UInt8(value))
                    changed = true
                    index += 3
                    continue
                }
            }
            output.append(byte)
            index += 1
        }
        return (output, changed)
    }

    /// HTML character references: named ones an attack uses (`&lt;`, `&colon;`, `&Tab;`…), decimal and hex
    /// with or without the closing `;` and with any number of leading zeros, as browsers accept them.
    public static func htmlEntityDecode(_ input: [UInt8]) -> [UInt8] {
        guard input.contains(UInt8(ascii: "&")) else { return input }
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        var index = 0
        while index < input.count {
            guard input[index] == UInt8(ascii: "&"), index + 1 < input.count else {
                output.append(input[index])
                index += 1
                continue
            }
            if input[index + 1] == UInt8(ascii: "#") {
                var cursor = index + 2
                let hex = cursor < input.count && input[cursor] | 0x20 == UInt8(ascii: "x")
                if hex { cursor += 1 }
                var value: UInt32 = 0
                var digits = 0
                while cursor < input.count, let digit = digitValue(input[cursor], hex: hex), digits < 12 {
                    value = min(value &* (hex ? 16 : 10) &+ digit, 0x10FFFF + 1)
                    digits += 1
                    cursor += 1
                }
                if digits > 0 {
                    if cursor < input.count, input[cursor] == UInt8(ascii: ";") { cursor += 1 }
                    appendUTF8(value <= 0x10FFFF ? value : 0xFFFD, to: &output)
                    index = cursor
                    continue
                }
            } else {
                var cursor = index + 1
                while cursor < input.count, cursor - index <= 9, isLetter(input[cursor]) { cursor += 1 }
                if cursor < input.count, input[cursor] == UInt8(ascii: ";"),
                   let replacement = namedEntities[String(decoding: input[(index + 1)..<cursor], as: UTF8.self)] {
                    output.append(contentsOf: replacement)
                    index = cursor + 1
                    continue
                }
                // The legacy references HTML still reads in text without their `;`, even run into a word:
                // `&ltscript&gt` is `<script>` to a browser (wfuzz's XSS list sends it).
                if cursor > index + 2, input[index + 1] | 0x20 == UInt8(ascii: "l") || input[index + 1] | 0x20 == UInt8(ascii: "g")
                    || input[index + 1] | 0x20 == UInt8(ascii: "a") || input[index + 1] | 0x20 == UInt8(ascii: "q"),
                   let (name, replacement) = legacyEntities.first(where: { matchesAt(input, index + 1, $0.name) }) {
                    output.append(replacement)
                    index += 1 + name.count
                    continue
                }
            }
            output.append(input[index])
            index += 1
        }
        return output
    }

    /// ASCII letters lowercased (other bytes untouched, so UTF-8 stays valid).
    public static func lowercase(_ input: [UInt8]) -> [UInt8] {
        // Most values are lowercase already: then they are returned as they are, without a copy.
        guard input.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) else { return input }
        return input.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 | 0x20 : $0 }
    }

    /// Every run of whitespace (space, tab, CR, LF, form feed, vertical tab, NBSP) as one space.
    public static func compressWhitespace(_ input: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        var inSpace = false
        var index = 0
        while index < input.count {
            let byte = input[index]
            var width = 0
            if isSpace(byte) {
                width = 1
            } else if byte == 0xC2, index + 1 < input.count, input[index + 1] == 0xA0 {
                width = 2
            }
            if width > 0 {
                if !inSpace { output.append(UInt8(ascii: " ")) }
                inSpace = true
                index += width
            } else {
                output.append(byte)
                inSpace = false
                index += 1
            }
        }
        return output
    }

    /// `/* … */` comments as a single space (an unterminated one runs to the end), so `UN/**/ION` reads
    /// as two words and `SEL/**/ECT`… does not hide a keyword from a tokenizer that also joins them.
    public static func replaceBlockComments(_ input: [UInt8]) -> [UInt8] {
        guard input.count >= 2 else { return input }
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        var index = 0
        while index < input.count {
            if input[index] == UInt8(ascii: "/"), index + 1 < input.count, input[index + 1] == UInt8(ascii: "*") {
                var cursor = index + 2
                while cursor + 1 < input.count, !(input[cursor] == UInt8(ascii: "*") && input[cursor + 1] == UInt8(ascii: "/")) { cursor += 1 }
                output.append(UInt8(ascii: " "))
                index = min(cursor + 2, input.count)
                continue
            }
            output.append(input[index])
            index += 1
        }
        return output
    }

    /// NUL bytes removed (they split keywords for some parsers and end strings for others).
    public static func removeNulls(_ input: [UInt8]) -> [UInt8] {
        input.contains(0) ? input.filter { $0 != 0 } : input
    }

    /// A path with `\` read as `/`, repeated slashes collapsed, and `.`/`..` segments resolved. Also says
    /// whether a `..` tried to climb above the start — the mark of a traversal.
    public static func normalizePath(_ input: [UInt8]) -> (path: [UInt8], climbedAboveRoot: Bool) {
        let slashed = input.map { $0 == UInt8(ascii: "\\") ? UInt8(ascii: "/") : $0 }
        let absolute = slashed.first == UInt8(ascii: "/")
        var segments: [ArraySlice<UInt8>] = []
        var climbed = false
        for segment in slashed.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            if segment.elementsEqual([UInt8(ascii: ".")]) { continue }
            if segment.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) {
                if segments.isEmpty { climbed = true } else { segments.removeLast() }
                continue
            }
            segments.append(segment)
        }
        var path: [UInt8] = absolute ? [UInt8(ascii: "/")] : []
        for (offset, segment) in segments.enumerated() {
            if offset > 0 { path.append(UInt8(ascii: "/")) }
            path.append(contentsOf: segment)
        }
        return (path, climbed)
    }

    // MARK: Helpers

    static let namedEntities: [String: [UInt8]] = {
        let table: [String: String] = [
            "lt": "<", "LT": "<", "gt": ">", "GT": ">", "amp": "&", "AMP": "&", "quot": "\"", "QUOT": "\"", "apos": "'",
            "nbsp": " ", "colon": ":", "Colon": ":", "semi": ";", "lpar": "(", "rpar": ")", "sol": "/", "bsol": "\\",
            "Tab": "\t", "NewLine": "\n", "equals": "=", "comma": ",", "period": ".", "excl": "!", "quest": "?",
            "num": "#", "percnt": "%", "lsqb": "[", "rsqb": "]", "lbrack": "[", "rbrack": "]", "lcub": "{", "rcub": "}",
            "lbrace": "{", "rbrace": "}", "grave": "`", "DiacriticalGrave": "`", "plus": "+", "ast": "*", "dollar": "$",
            "vert": "|", "verbar": "|", "Hat": "^", "lowbar": "_", "hyphen": "-", "dash": "-",
        ]
        return table.mapValues { Array($0.utf8) }
    }()

    static let legacyEntities: [(name: [UInt8], replacement: UInt8)] = [
        (Array("quot".utf8), UInt8(ascii: "\"")), (Array("QUOT".utf8), UInt8(ascii: "\"")), (Array("amp".utf8), UInt8(ascii: "&")),
        (Array("AMP".utf8), UInt8(ascii: "&")), (Array("lt".utf8), UInt8(ascii: "<")), (Array("LT".utf8), UInt8(ascii: "<")),
        (Array("gt".utf8), UInt8(ascii: ">")), (Array("GT".utf8), UInt8(ascii: ">")),
    ]

    static func matchesAt(_ input: [UInt8], _ start: Int, _ name: [UInt8]) -> Bool {
        start + name.count <= input.count && input[start..<(start + name.count)].elementsEqual(name)
    }

    static func hexValue(_ bytes: ArraySlice<UInt8>) -> UInt32? {
        var value: UInt32 = 0
        for byte in bytes {
            guard let digit = digitValue(byte, hex: true) else { return nil }
            value = value << 4 | digit
        }
        return value
    }

    static func digitValue(_ byte: UInt8, hex: Bool) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f") where hex: UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F") where hex: UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }

    /// Appends `scalar` as UTF-8 (a surrogate or out-of-range value as U+FFFD).
    static func appendUTF8(_ scalar: UInt32, to output: inout [UInt8]) {
        if scalar < 0x80 {
            output.append(UInt8(scalar))
            return
        }
        let value = Unicode.Scalar(scalar) ?? "\u{FFFD}"
        output.append(contentsOf: Array(String(Character(value)).utf8))
    }
}
