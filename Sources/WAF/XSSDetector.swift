/// Cross-site scripting, recognised by the HTML or script context a value would create: a tag that runs
/// script (`<script`, `<iframe`, `<svg`…), any tag carrying an event handler (`<b onblur=…>`) or a
/// `javascript:`/`vbscript:`/`data:text/html` URL, an attribute break-out (`" onmouseover=…`), and a
/// break-out from a script string (`';alert(1)//`). Entity-encoded and control-character-split forms are
/// decoded first; `<3 gifts`, `a < b` and plain formatting tags are not script.
public enum XSSDetector {
    static let scriptTags: Set<String> = ["script", "iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math", "meta",
                                          "base", "link", "style", "xss", "template", "portal", "isindex", "xml", "import", "vmlframe"]
    static let scriptTagBytes: [[UInt8]] = scriptTags.map { Array($0.utf8) }
    static let maximumScriptTagLength = scriptTags.map(\.utf8.count).max() ?? 0
    static let urlAttributes: Set<String> = ["src", "href", "action", "formaction", "data", "xlink:href", "background", "poster", "srcdoc",
                                             "lowsrc", "dynsrc", "code", "codebase", "content", "from", "to", "values", "by", "style", "value"]
    static let scriptCalls = ["alert", "prompt", "confirm", "eval", "fetch", "settimeout", "setinterval", "document.cookie", "document.write",
                              "window.location", "location.href", "xmlhttprequest", "string.fromcharcode", "atob", "import("]

    public static func inspect(_ value: [UInt8]) -> Finding? {
        guard value.contains(where: { $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: "&")
            || $0 == UInt8(ascii: "(") || $0 == UInt8(ascii: "`") || $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "[") }) else { return nil }
        // Entities twice (double-encoded `&amp;lt;`), then what browsers skip inside a scheme or tag name.
        let cased = Transforms.htmlEntityDecode(Transforms.htmlEntityDecode(unescapeJS(undoUTF7(value))))
        let decoded = Transforms.lowercase(cased)
        if let finding = tags(decoded) { return finding }
        if let offset = tagAfterBreakOut(decoded) { return Finding(rule: .attributeBreakOut, shape: "attribute and tag closed, then a tag", offset: offset) }
        if let offset = mixedCaseTag(cased) { return Finding(rule: .unknownMarkup, shape: "tag name in mixed case", offset: offset) }
        let squeezed = decoded.filter { $0 > 0x20 || $0 == 0x20 }
        if let offset = schemeOffset(squeezed.filter { $0 != 0x20 }) { return Finding(rule: .scriptURL, shape: "script URL", offset: offset) }
        if let offset = attributeBreakOut(decoded) { return Finding(rule: .attributeBreakOut, shape: "attribute break-out", offset: offset) }
        if let offset = scriptBreakOut(squeezed) { return Finding(rule: .scriptStringBreakOut, shape: "script string break-out", offset: offset) }
        // CSS expressions (IE), even split by comments: `expr/**/ession(`.
        let uncommented = Transforms.replaceBlockComments(squeezed).filter { $0 != 0x20 && $0 != UInt8(ascii: "\\") }
        if let finding = scriptWithoutTags(uncommented) { return finding }
        // CSS expressions and bare calls of a dialog or eval function (alert(1), prompt`x`), in one pass.
        for (needle, offset) in uncommentedNeedles.matches(in: uncommented) {
            if needle == 0 { return Finding(rule: .scriptThroughCSS, shape: "CSS expression", offset: offset) }
            let call = ["alert", "prompt", "confirm", "eval"][needle - 1]
            let after = offset + call.utf8.count
            if after < uncommented.count, uncommented[after] == UInt8(ascii: "(") || uncommented[after] == UInt8(ascii: "`"),
               offset == 0 || !SQLLexer.isWordByte(uncommented[offset - 1]) {
                return Finding(rule: .scriptCall, shape: "script call (\(call))", offset: offset)
            }
        }
        return nil
    }

    /// Tags in the value: a script-running tag, or any tag with an event handler or a script URL.
    ///
    /// Linear in the value's length: a tag runs to the next `>` (or the value's end), so the tags of
    /// `<a <a <a …` share one attribute region; the `>`, `=` and handler searches move only forward, and a
    /// region is searched for a script URL once (a later tag's region is a suffix of it: if the whole
    /// region holds none, no suffix does).
    static func tags(_ v: [UInt8]) -> Finding? {
        var handlers = EventHandlers(v)
        var closers = ForwardSearch(v, byte: UInt8(ascii: ">"))
        var equalsSigns = ForwardSearch(v, byte: UInt8(ascii: "="))
        var regionCheckedUpTo = -1
        let lastCloserOrQuote = v.lastIndex { $0 == UInt8(ascii: ">") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "'") } ?? -1
        var index = 0
        while index < v.count {
            guard v[index] == UInt8(ascii: "<") else { index += 1; continue }
            var cursor = index + 1
            if cursor < v.count, v[cursor] == UInt8(ascii: "/") { cursor += 1 }
            let nameStart = cursor
            while cursor < v.count, isNameByte(v[cursor]) { cursor += 1 }
            guard cursor > nameStart, Transforms.isLetter(v[nameStart]) else { index += 1; continue }
            let closing = v[index + 1] == UInt8(ascii: "/")
            // The tag runs to `>` or the value's end (a browser keeps reading the next input).
            let end = closers.next(from: cursor)
            // Most tags of most values are not script tags: compare bytes before making a name of them.
            let length = cursor - nameStart
            let runsScript = length <= maximumScriptTagLength && scriptTagBytes.contains { $0.count == length && v[nameStart..<cursor].elementsEqual($0) }
            let name = runsScript ? String(decoding: v[nameStart..<cursor], as: UTF8.self) : ""
            if runsScript, !closing || name == "script" {
                if name != "style" || equalsSigns.next(from: cursor) < end || end < v.count { return Finding(rule: .scriptTag, shape: "<\(name)> tag", offset: index) }
            }
            if !closing, let handler = handlers.first(from: cursor), handler.equals < end {
                return Finding(rule: .eventHandler, shape: "event handler (\(String(decoding: v[handler.start..<handler.nameEnd], as: UTF8.self)))", offset: index)
            }
            if !closing, let shape = markup(v, nameStart: nameStart, nameEnd: cursor, lastCloserOrQuote: lastCloserOrQuote) {
                return Finding(rule: .unknownMarkup, shape: shape, offset: index)
            }
            if !closing, end != regionCheckedUpTo {
                regionCheckedUpTo = end
                if schemeOffset(v[cursor..<end].filter { $0 > 0x20 }) != nil {
                    return Finding(rule: .scriptURL, shape: "script URL in <\(String(decoding: v[nameStart..<min(cursor, nameStart + 32)], as: UTF8.self))>", offset: index)
                }
            }
            index = max(cursor, index + 1)
        }
        return nil
    }

    /// Markup no page holds: an element HTML does not have, given an attribute (`<test x=y>`, `<xyz onx=1`),
    /// or a tag whose unquoted attributes run to `//` at the value's end (`<a href=x//`, `<isindex x=y//`) —
    /// what scanners send to learn which markup comes back. Real elements with attributes
    /// (`<a href="/teams/">`, `<span class="x">`), `<<retro>>`, `x<y>z` and `<3` pass.
    static func markup(_ v: [UInt8], nameStart: Int, nameEnd: Int, lastCloserOrQuote: Int) -> String? {
        // `<test` ending the value: an unknown element left open for the page to close.
        if nameEnd == v.count, nameEnd - nameStart >= 2, nameStart < 2 || v[nameStart - 2] != UInt8(ascii: "<"),
           !htmlElements.contains(String(decoding: v[nameStart..<min(nameEnd, nameStart + 16)], as: UTF8.self)) {
            return "unknown element left open"
        }
        guard nameEnd < v.count else { return nil }
        // `//` ending the value with no `>` or quote after the tag's name (found once per value by the caller).
        if nameEnd > lastCloserOrQuote, v.count - nameEnd >= 2, v[v.count - 1] == UInt8(ascii: "/"), v[v.count - 2] == UInt8(ascii: "/") {
            return "markup ending in //"
        }
        let next = v[nameEnd]
        // `<test>`, `<test x>`: an element HTML does not have, two letters or more, not «`<<retro>>`».
        let unknownName = nameEnd - nameStart >= 2 && (nameStart < 2 || v[nameStart - 2] != UInt8(ascii: "<"))
        if unknownName, next == UInt8(ascii: ">") || (next == 0x20 && bareAttributeCloses(v, from: nameEnd + 1)),
           !htmlElements.contains(String(decoding: v[nameStart..<min(nameEnd, nameStart + 16)], as: UTF8.self)) {
            return "unknown element (<\(String(decoding: v[nameStart..<min(nameEnd, nameStart + 16)], as: UTF8.self))>)"
        }
        guard next == 0x20 || next == 0x09 || next == 0x0A || next == 0x0D || next == UInt8(ascii: "/") else { return nil }
        // Bytes first (an attribute and its `=`), the element's name last: `<a <a <a …` must stay cheap.
        var cursor = nameEnd + 1
        let limit = min(v.count, nameEnd + 64)
        while cursor < limit, [0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: "/")].contains(v[cursor]) { cursor += 1 }
        let attributeStart = cursor
        while cursor < limit, isNameByte(v[cursor]) { cursor += 1 }
        guard cursor > attributeStart, Transforms.isLetter(v[attributeStart]) else { return nil }
        while cursor < limit, v[cursor] == 0x20 { cursor += 1 }
        guard cursor < limit, v[cursor] == UInt8(ascii: "=") else { return nil }
        let name = String(decoding: v[nameStart..<min(nameEnd, nameStart + 16)], as: UTF8.self)
        return htmlElements.contains(name) ? nil : "unknown element with attributes (<\(name)>)"
    }

    /// ` x>`: one attribute name, no value, then the tag's end.
    static func bareAttributeCloses(_ v: [UInt8], from start: Int) -> Bool {
        var cursor = start
        while cursor < min(v.count, start + 32), Transforms.isLetter(v[cursor]) { cursor += 1 }
        return cursor > start && cursor < v.count && v[cursor] == UInt8(ascii: ">")
    }

    /// HTML's elements (and SVG's common ones): a tag with attributes under any other name is not markup a
    /// page would hold.
    static let htmlElements: Set<String> = [
        "a", "abbr", "address", "area", "article", "aside", "audio", "b", "bdi", "bdo", "blockquote", "body", "br", "button", "canvas",
        "caption", "cite", "code", "col", "colgroup", "data", "datalist", "dd", "del", "details", "dfn", "dialog", "div", "dl", "dt", "em",
        "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hgroup", "hr", "html",
        "i", "img", "input", "ins", "kbd", "label", "legend", "li", "main", "map", "mark", "menu", "meter", "nav", "noscript", "ol",
        "optgroup", "option", "output", "p", "param", "picture", "pre", "progress", "q", "rp", "rt", "ruby", "s", "samp", "search", "section",
        "select", "slot", "small", "source", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "textarea", "tfoot", "th",
        "thead", "time", "title", "tr", "track", "u", "ul", "var", "video", "wbr", "font", "center", "big", "tt", "strike", "marquee",
        "g", "path", "rect", "circle", "line", "polyline", "polygon", "text", "tspan", "use", "defs", "image", "ellipse", "symbol",
    ]

    /// `on…=` as an attribute: after whitespace, a quote or `/` (browsers accept `<svg/onload=…>`).
    static func eventHandler(_ attributes: [UInt8]) -> String? {
        var handlers = EventHandlers(attributes)
        return handlers.first(from: 0).map { String(decoding: attributes[$0.start..<$0.nameEnd], as: UTF8.self) }
    }

    /// Where a `javascript:`, `vbscript:`, `livescript:` or `data:text/html` URL starts (whitespace and
    /// control characters already removed, as browsers ignore them inside the scheme).
    static func schemeOffset(_ v: [UInt8]) -> Int? {
        // One pass for every scheme: the first occurrence of each, in the order the schemes are listed.
        var first = [Int?](repeating: nil, count: schemes.count)
        var remaining = schemes.count
        for (needle, offset) in schemeNeedles.matches(in: v) where first[needle] == nil {
            first[needle] = offset
            remaining -= 1
            if remaining == 0 { break }
        }
        // "javascript:" as plain words in prose ("learn javascript: the good parts") has no call after it.
        let lastCallMark = v.lastIndex { $0 == UInt8(ascii: "(") || $0 == UInt8(ascii: "`") || $0 == UInt8(ascii: "=") } ?? -1
        for (index, scheme) in schemes.enumerated() {
            guard let offset = first[index] else { continue }
            if !scheme.hasPrefix("data:") && lastCallMark < offset + scheme.utf8.count { continue }
            return offset
        }
        return nil
    }

    static let schemes = ["javascript:", "vbscript:", "livescript:", "mocha:", "data:text/html", "data:image/svg+xml", "data:application/x-javascript",
                          "data:text/javascript", "data:application/javascript", "data:text/xml"]
    static let schemeNeedles = NeedleSet(schemes)
    static let uncommentedNeedles = NeedleSet(["expression(", "alert", "prompt", "confirm", "eval"])

    /// `" onmouseover="…` or `' autofocus onfocus=…`: a quote closing the application's attribute, then
    /// (within 200 bytes) a handler of our own.
    static func attributeBreakOut(_ v: [UInt8]) -> Int? {
        var handlers = EventHandlers(v)
        for (index, byte) in v.enumerated() where byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") || byte == UInt8(ascii: "`") {
            guard index + 1 < v.count else { break }
            let first = v[index + 1]
            guard first <= 0x20 || first == UInt8(ascii: "/") || first == UInt8(ascii: ">") else { continue }
            if let handler = handlers.first(from: index + 1), handler.equals < index + 1 + 200 { return index }
        }
        return nil
    }

    /// `">…<br/attr=`: a value that opens by closing an attribute and its tag, then holds a tag with an
    /// attribute — a scanner checking which markup survives. Text rarely starts with `">`.
    static func tagAfterBreakOut(_ v: [UInt8]) -> Int? {
        var cursor = 0
        while cursor < v.count, v[cursor] == 0x20 { cursor += 1 }
        guard cursor + 1 < v.count, v[cursor] == UInt8(ascii: "\"") || v[cursor] == UInt8(ascii: "'") else { return nil }
        var after = cursor + 1
        while after < v.count, v[after] == 0x20 { after += 1 }
        guard after < v.count, v[after] == UInt8(ascii: ">") else { return nil }
        var index = after + 1
        while index + 1 < v.count {
            if v[index] == UInt8(ascii: "<"), Transforms.isLetter(v[index + 1]), attributeAfterName(v, from: index + 1) != nil { return cursor }
            index += 1
        }
        return nil
    }

    /// From a tag name's first byte: the name, white space or `/`, an attribute name and `=` — the index of
    /// the `=`, or nil.
    static func attributeAfterName(_ v: [UInt8], from start: Int) -> Int? {
        var cursor = start
        while cursor < min(v.count, start + 32), isNameByte(v[cursor]) { cursor += 1 }
        let separatorStart = cursor
        while cursor < v.count, cursor - separatorStart < 8, [0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: "/")].contains(v[cursor]) { cursor += 1 }
        guard cursor > separatorStart, cursor < v.count, Transforms.isLetter(v[cursor]) else { return nil }
        let attributeStart = cursor
        while cursor < min(v.count, attributeStart + 32), isNameByte(v[cursor]) { cursor += 1 }
        return cursor < v.count && v[cursor] == UInt8(ascii: "=") ? cursor : nil
    }

    /// `<aUdio x=y>`, `<sCrIpT …`: a tag whose name changes case inside (a lowercase letter then a capital)
    /// and carries an attribute. Filters that compare names case-sensitively are what it tests; people who
    /// write tags write them in one case.
    static func mixedCaseTag(_ v: [UInt8]) -> Int? {
        var index = 0
        while index + 2 < v.count {
            guard v[index] == UInt8(ascii: "<") else { index += 1; continue }
            var cursor = index + 1
            var lowerThenUpper = false
            while cursor < min(v.count, index + 33), Transforms.isLetter(v[cursor]) {
                if cursor > index + 1, v[cursor] >= UInt8(ascii: "A"), v[cursor] <= UInt8(ascii: "Z"),
                   v[cursor - 1] >= UInt8(ascii: "a"), v[cursor - 1] <= UInt8(ascii: "z") { lowerThenUpper = true }
                cursor += 1
            }
            if lowerThenUpper, attributeAfterName(v, from: index + 1) != nil { return index }
            index = max(cursor, index + 1)
        }
        return nil
    }

    /// `';alert(1)//`, `"-alert(1)-"`, `\";confirm(1);//`: a quote, an operator or `;`, then (within four
    /// bytes) a script call.
    static func scriptBreakOut(_ v: [UInt8]) -> Int? {
        var skipped = ForwardRun(v) { $0 == 0x20 || $0 == UInt8(ascii: ")") || $0 == UInt8(ascii: "}") }
        for (index, byte) in v.enumerated() where byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") || byte == UInt8(ascii: "`") {
            let cursor = skipped.end(from: index + 1)
            guard cursor < v.count, [UInt8(ascii: ";"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "*"), UInt8(ascii: "|"), UInt8(ascii: "&"),
                                     UInt8(ascii: ",")].contains(v[cursor]) else { continue }
            let rest = cursor + 1
            for at in rest..<min(v.count, rest + 5) {
                for call in scriptCalls where matches(call, v, at: at) {
                    let after = at + call.utf8.count
                    if call.hasSuffix("(") || (after < v.count && (v[after] == UInt8(ascii: "(") || v[after] == UInt8(ascii: "`")))
                        || call.contains(".") { return index }
                }
            }
        }
        return nil
    }

    static func matches(_ needle: String, _ v: [UInt8], at index: Int) -> Bool {
        var position = index
        for byte in needle.utf8 {
            guard position < v.count, v[position] == byte else { return false }
            position += 1
        }
        return true
    }

    /// The UTF-7 spellings of `<`, `>`, `"`, `'` and `/` (`+ADw-`…), which old browsers honoured. On bytes:
    /// a detour through `String` would repair each invalid byte into three, and findings would point past
    /// the value.
    static func undoUTF7(_ v: [UInt8]) -> [UInt8] {
        guard ByteSearch.find("+AD", in: v, from: 0) != nil || ByteSearch.find("+AC", in: v, from: 0) != nil else { return v }
        let spellings: [(encoded: [UInt8], plain: UInt8)] = [(Array("+ADw-".utf8), UInt8(ascii: "<")), (Array("+AD4-".utf8), UInt8(ascii: ">")),
                                                             (Array("+ACI-".utf8), UInt8(ascii: "\"")), (Array("+ACc-".utf8), UInt8(ascii: "'")),
                                                             (Array("+AC8-".utf8), UInt8(ascii: "/"))]
        var output: [UInt8] = []
        output.reserveCapacity(v.count)
        var index = 0
        outer: while index < v.count {
            if v[index] == UInt8(ascii: "+"), index + 5 <= v.count {
                for (encoded, plain) in spellings where v[index..<index + 5].elementsEqual(encoded) {
                    output.append(plain)
                    index += 5
                    continue outer
                }
            }
            output.append(v[index])
            index += 1
        }
        return output
    }

    /// `\x3c`, `\u003c` and `\74` escapes as a script string would read them.
    static func unescapeJS(_ v: [UInt8]) -> [UInt8] {
        guard v.contains(UInt8(ascii: "\\")) else { return v }
        var output: [UInt8] = []
        var index = 0
        while index < v.count {
            if v[index] == UInt8(ascii: "\\"), index + 1 < v.count {
                let kind = v[index + 1] | 0x20
                if kind == UInt8(ascii: "x"), index + 4 <= v.count, let code = Transforms.hexValue(v[(index + 2)..<(index + 4)]) {
                    Transforms.appendUTF8(code, to: &output); index += 4; continue
                }
                if kind == UInt8(ascii: "u"), index + 6 <= v.count, let code = Transforms.hexValue(v[(index + 2)..<(index + 6)]) {
                    Transforms.appendUTF8(code, to: &output); index += 6; continue
                }
            }
            output.append(v[index])
            index += 1
        }
        return output
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        Transforms.isLetter(byte) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ":")
    }
}
