/// Script that needs no tag: what runs once a value lands inside an existing script or event handler, or in
/// a style. Property access by bracket notation on the global objects (`top['al'+'ert'](1)`,
/// `window[`alert`]`), the constructor chain (`[]['constructor']['constructor']('…')()`), JavaScript written
/// with only `[]()!+` (JSFuck), template-literal calls of the functions that run strings
/// (`setTimeout`alert(1)``), and script through CSS (`behavior:url(…)`, `-moz-binding`, `@import`). Read from
/// the value with comments, spaces and backslashes removed and lowercased, as browsers tolerate them.
extension XSSDetector {
    static let globalObjects = ["window[", "top[", "self[", "parent[", "frames[", "globalthis[", "this[", "document[", "content[", "opener["]
    static let globalObjectNeedles = NeedleSet(globalObjects)
    static let stringRunners = ["settimeout`", "setinterval`", "function`", "fetch`", "import`", "open`", "write`", "writeln`"]
    static let stringRunnerNeedles = NeedleSet(stringRunners)
    static let styleScripts = ["behavior:url(", "-moz-binding:", "@import'", "@import\"", "@importurl(", "url(javascript:", "url('javascript:",
                               "url(\"javascript:"]
    static let styleScriptNeedles = NeedleSet(styleScripts)

    static func scriptWithoutTags(_ v: [UInt8]) -> Finding? {
        // `top['alert']`: a global object indexed by a string — no page's search box needs it.
        for (needle, offset) in globalObjectNeedles.matches(in: v) {
            let after = offset + globalObjects[needle].utf8.count
            let startsName = offset == 0 || !SQLLexer.isWordByte(v[offset - 1]) && v[offset - 1] != UInt8(ascii: ".")
            if startsName, after < v.count, [UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`")].contains(v[after]) {
                return Finding(rule: .bracketPropertyAccess, shape: "property access by bracket (\(globalObjects[needle].dropLast()))", offset: offset)
            }
        }
        if let offset = ByteSearch.find("constructor", in: v, from: 0), offset > 0,
           [UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`"), UInt8(ascii: ".")].contains(v[offset - 1]) {
            let after = offset + 11
            if after < v.count, [UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`"), UInt8(ascii: "("), UInt8(ascii: "]")].contains(v[after]) {
                return Finding(rule: .constructorChain, shape: "constructor chain", offset: offset)
            }
        }
        if let offset = nonAlphanumericRun(v) { return Finding(rule: .nonAlphanumericScript, shape: "non-alphanumeric JavaScript", offset: offset) }
        for (needle, offset) in stringRunnerNeedles.matches(in: v) where offset == 0 || !SQLLexer.isWordByte(v[offset - 1]) {
            return Finding(rule: .templateLiteralCall, shape: "template-literal call (\(stringRunners[needle].dropLast()))", offset: offset)
        }
        if let (needle, offset) = styleScriptNeedles.firstMatch(in: v) { return Finding(rule: .scriptThroughCSS, shape: "script through CSS (\(styleScripts[needle]))", offset: offset) }
        return nil
    }

    /// Where 16 or more bytes of `[`, `]`, `(`, `)`, `!`, `+` in a row start, holding both brackets and `!`.
    static func nonAlphanumericRun(_ v: [UInt8]) -> Int? {
        var start = 0, length = 0, sawBracket = false, sawBang = false
        for (index, byte) in v.enumerated() {
            switch byte {
            case UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "!"), UInt8(ascii: "+"):
                if length == 0 { start = index }
                length += 1
                if byte == UInt8(ascii: "[") { sawBracket = true }
                if byte == UInt8(ascii: "!") { sawBang = true }
                if length >= 16, sawBracket, sawBang { return start }
            default:
                length = 0
                sawBracket = false
                sawBang = false
            }
        }
        return nil
    }
}
