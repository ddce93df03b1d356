/// The values of an XML body, each named by its element path, for inspection as ModSecurity's `XML`
/// variable: text nodes and CDATA (`/order/note`), attribute values (`/order/@id`), processing instructions,
/// and the document type declaration whole (where an external entity would be declared). And, for the
/// elements an HTML parser would run script from — `<script>`, or any element with an `on…` attribute —
/// the start tag itself, so `<svg onload=…>` sent as XML is read as markup, as it would be if the document
/// were served back.
///
/// A scanner, not a parser: it expands no declared entity (no DTD is ever read, so no entity can grow or
/// reach a file), only references with a fixed meaning, keeps an element stack of bounded depth,
/// and gives up (nil) on text that is not well-formed enough to name paths, so the caller inspects the
/// body as raw text instead: an unparsable body is never a silent pass.
enum XMLFields {
    struct Found: Equatable {
        var path: String
        var value: [UInt8]
    }

    static let maximumDepth = 64
    static let maximumNameInPath = 64

    static func extract(_ bytes: [UInt8]) -> [Found]? {
        var found: [Found] = []
        var stack: [String] = []
        var index = 0
        var sawElement = false
        func path(_ suffix: String = "") -> String { "/" + stack.joined(separator: "/") + suffix }

        while index < bytes.count {
            guard let open = bytes[index...].firstIndex(of: UInt8(ascii: "<")) else {
                guard stack.isEmpty, text(bytes[index...]) == nil else { return nil }  // text after the root
                break
            }
            if let content = text(bytes[index..<open]) {
                guard !stack.isEmpty else { return nil }  // text outside the root element
                found.append(Found(path: path(), value: content))
            }
            index = open
            if starts(bytes, at: index, with: "<!--") {
                guard let end = ByteSearch.find("-->", in: bytes, from: index + 4) else { return nil }
                index = end + 3
            } else if starts(bytes, at: index, with: "<![CDATA[") {
                guard let end = ByteSearch.find("]]>", in: bytes, from: index + 9), !stack.isEmpty else { return nil }
                if end > index + 9 { found.append(Found(path: path(), value: Array(bytes[(index + 9)..<end]))) }
                index = end + 3
            } else if starts(bytes, at: index, with: "<?") {
                guard let end = ByteSearch.find("?>", in: bytes, from: index + 2) else { return nil }
                found.append(Found(path: path("?"), value: Array(bytes[(index + 2)..<end])))
                index = end + 2
            } else if starts(bytes, at: index, with: "<!") {
                // `<!DOCTYPE …>`, perhaps with an internal subset in brackets: inspected whole, unexpanded.
                guard let end = declarationEnd(bytes, from: index + 2) else { return nil }
                found.append(Found(path: "!DOCTYPE", value: Array(bytes[index...end])))
                index = end + 1
            } else if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "/") {
                guard let end = bytes[index...].firstIndex(of: UInt8(ascii: ">")) else { return nil }
                let name = String(decoding: trimmed(bytes[(index + 2)..<end]).prefix(maximumNameInPath), as: UTF8.self)
                guard stack.last == name else { return nil }
                stack.removeLast()
                index = end + 1
            } else {
                guard let tag = startTag(bytes, from: index + 1) else { return nil }
                guard stack.count < maximumDepth, !(stack.isEmpty && sawElement) else { return nil }
                sawElement = true
                stack.append(tag.name)
                let runsScript = tag.name.lowercased().hasSuffix("script") || tag.attributes.contains { $0.name.lowercased().hasPrefix("on") }
                if runsScript { found.append(Found(path: path("/<tag>"), value: Array(bytes[index...tag.end]))) }
                for attribute in tag.attributes where !attribute.value.isEmpty {
                    found.append(Found(path: path("/@" + attribute.name), value: attribute.value))
                }
                if tag.selfClosing { stack.removeLast() }
                index = tag.end + 1
            }
        }
        return sawElement && stack.isEmpty ? found : nil
    }

    struct StartTag {
        var name: String
        var attributes: [(name: String, value: [UInt8])]
        var selfClosing: Bool
        /// The index of the closing `>`.
        var end: Int
    }

    /// `name attr="v" attr='v' … [/]>` from just after `<`.
    static func startTag(_ bytes: [UInt8], from start: Int) -> StartTag? {
        var cursor = start
        let name = readName(bytes, &cursor)
        guard !name.isEmpty else { return nil }
        var attributes: [(name: String, value: [UInt8])] = []
        while cursor < bytes.count {
            skipSpace(bytes, &cursor)
            guard cursor < bytes.count else { return nil }
            if bytes[cursor] == UInt8(ascii: ">") {
                return StartTag(name: name, attributes: attributes, selfClosing: false, end: cursor)
            }
            if bytes[cursor] == UInt8(ascii: "/") {
                guard cursor + 1 < bytes.count, bytes[cursor + 1] == UInt8(ascii: ">") else { return nil }
                return StartTag(name: name, attributes: attributes, selfClosing: true, end: cursor + 1)
            }
            let attribute = readName(bytes, &cursor)
            skipSpace(bytes, &cursor)
            guard !attribute.isEmpty, cursor < bytes.count, bytes[cursor] == UInt8(ascii: "=") else { return nil }
            cursor += 1
            skipSpace(bytes, &cursor)
            guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: "\"") || bytes[cursor] == UInt8(ascii: "'") else { return nil }
            let quote = bytes[cursor]
            guard let close = bytes[(cursor + 1)...].firstIndex(of: quote) else { return nil }
            attributes.append((attribute, decodeReferences(bytes[(cursor + 1)..<close])))
            cursor = close + 1
        }
        return nil
    }

    static func readName(_ bytes: [UInt8], _ cursor: inout Int) -> String {
        let start = cursor
        while cursor < bytes.count, isNameByte(bytes[cursor]) { cursor += 1 }
        return String(decoding: bytes[start..<min(cursor, start + maximumNameInPath)], as: UTF8.self)
    }

    /// Letters, digits, `_`, `-`, `.`, `:` (namespaces) and any non-ASCII byte, as XML names allow.
    static func isNameByte(_ byte: UInt8) -> Bool {
        SQLLexer.isWordByte(byte) && byte != UInt8(ascii: "$") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
            || byte == UInt8(ascii: ":") || byte >= 0x80
    }

    static func skipSpace(_ bytes: [UInt8], _ cursor: inout Int) {
        while cursor < bytes.count, Transforms.isSpace(bytes[cursor]) { cursor += 1 }
    }

    /// The end of a `<!…>` declaration: the first `>` outside its bracketed internal subset and quotes.
    static func declarationEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        var cursor = start
        var inSubset = false
        var quote: UInt8?
        while cursor < bytes.count {
            let byte = bytes[cursor]
            if let open = quote {
                if byte == open { quote = nil }
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                quote = byte
            } else if byte == UInt8(ascii: "[") {
                inSubset = true
            } else if byte == UInt8(ascii: "]") {
                inSubset = false
            } else if byte == UInt8(ascii: ">"), !inSubset {
                return cursor
            }
            cursor += 1
        }
        return nil
    }

    /// Text content with references decoded, or nil when it is only white space.
    static func text(_ slice: ArraySlice<UInt8>) -> [UInt8]? {
        slice.contains(where: { !Transforms.isSpace($0) }) ? decodeReferences(trimmed(slice)) : nil
    }

    static func trimmed(_ slice: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var result = slice
        while let first = result.first, Transforms.isSpace(first) { result = result.dropFirst() }
        while let last = result.last, Transforms.isSpace(last) { result = result.dropLast() }
        return result
    }

    /// References decoded as a browser would read the text if it were served back — the five XML
    /// entities, character references, and HTML's named ones — since the detectors judge what a page would
    /// run. No DTD is read, so no declared entity is ever expanded.
    static func decodeReferences(_ slice: ArraySlice<UInt8>) -> [UInt8] {
        guard slice.contains(UInt8(ascii: "&")) else { return Array(slice) }
        return Transforms.htmlEntityDecode(Array(slice))
    }

    static func starts(_ bytes: [UInt8], at index: Int, with prefix: StaticString) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        return prefix.withUTF8Buffer { bytes[index..<(index + count)].elementsEqual($0) }
    }
}
