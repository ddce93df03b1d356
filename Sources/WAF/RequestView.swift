/// Where in a request an inspected value came from; a verdict names it by the variable ModSecurity and
/// the Core Rule Set give it.
public enum FieldLocation: String, Sendable, Equatable {
    case path, queryName = "query-name", queryValue = "query", header, cookie, bodyName = "body-name", body
    /// A multipart part's `filename` (ModSecurity's FILES).
    case fileName = "file-name"
    /// A cookie's name (REQUEST_COOKIES_NAMES).
    case cookieName = "cookie-name"
    /// A text node or attribute value of an XML body, named by its element path (`XML:/order/note`).
    case xml

    /// The CRS variable: REQUEST_FILENAME, ARGS_NAMES, ARGS, REQUEST_HEADERS, REQUEST_COOKIES,
    /// REQUEST_COOKIES_NAMES, FILES, XML — and REQUEST_BODY for a body read as one text.
    func variable(named name: String) -> String {
        switch self {
        case .path: "REQUEST_FILENAME"
        case .queryName, .bodyName: "ARGS_NAMES"
        case .queryValue: "ARGS"
        case .body: name.isEmpty ? "REQUEST_BODY" : "ARGS"
        case .header: "REQUEST_HEADERS"
        case .cookie: "REQUEST_COOKIES"
        case .cookieName: "REQUEST_COOKIES_NAMES"
        case .fileName: "FILES"
        case .xml: "XML"
        }
    }
}

/// One value a detector looks at: where it was, its name (parameter, header, cookie or JSON key path), and
/// its bytes already URL-decoded (repeatedly) with NULs removed — the form most detectors start from.
public struct InspectedField: Sendable, Equatable {
    public var location: FieldLocation
    public var name: String
    public var value: [UInt8]

    /// The CRS variable and the name, as a verdict shows it (`ARGS:q`, `REQUEST_HEADERS:User-Agent`,
    /// `ARGS:items[0].productId`, `FILES:avatar`, `REQUEST_BODY`).
    public var label: String {
        let variable = location.variable(named: name)
        return name.isEmpty ? variable : "\(variable):\(name)"
    }
}

/// What the WAF could not inspect in a request. As AWS WAF's oversize handling, this is a verdict of its
/// own (rule `oversize`), never a silent pass: what is not inspected must not reach a handler unseen.
public enum Uninspectable: Sendable, Equatable, CustomStringConvertible {
    /// The body is longer than the inspection limit.
    case body(byteCount: Int, limit: Int)
    /// More fields (query parameters, cookies, JSON strings, form fields, parts) than the WAF inspects.
    case fields(limit: Int)
    /// A JSON body that is not UTF-8 (UTF-16 or UTF-32, their byte-order marks, NULs, invalid UTF-8).
    case encoding(String)

    public var description: String {
        switch self {
        case let .body(count, limit): "body of \(count) bytes is longer than the \(limit) bytes the WAF inspects"
        case let .fields(limit): "more than \(limit) fields in one request"
        case let .encoding(reason): "JSON body is not UTF-8 (\(reason))"
        }
    }
}

/// The parts of a request the WAF inspects, split into fields: the path, query parameter names and
/// values, every header but the structured ones (the Referer's query decoded too), cookies, and the body —
/// form fields, every string (and key) of a JSON document, the values of an XML document by element path,
/// multipart fields, or the raw text — up to
/// `bodyLimit` bytes. A body longer than that is inspected in part, and the view says so.
public struct RequestView: Sendable {
    public let method: String
    public private(set) var fields: [InspectedField] = []
    /// The body was longer than the limit: only its first `bodyLimit` bytes were inspected.
    public private(set) var bodyTruncated = false
    /// The first part of the request the view could not take in whole, if any.
    public private(set) var uninspectable: Uninspectable?

    /// Headers not inspected, as CRS leaves its structured request headers to syntax checks: the HTTP parser
    /// has already checked `Host`, `Content-Length` and `Transfer-Encoding`, and the rest are tokens, dates,
    /// entity tags or quality lists no handler of the shop reads as data (the content type is read by the
    /// view itself to parse the body). Every other header — `User-Agent`, `Referer`, `Cookie`, `Origin`,
    /// `X-…` and any custom one — is inspected, so a payload cannot hide in a header the list forgot.
    static let structuredHeaders: [StaticString] = [
        "accept", "accept-encoding", "accept-language", "accept-charset", "authorization", "cache-control", "connection", "content-length",
        "content-type", "host", "if-match", "if-none-match", "if-modified-since", "if-unmodified-since", "keep-alive", "pragma", "priority",
        "te", "transfer-encoding", "upgrade-insecure-requests", "dnt", "sec-gpc", "sec-purpose", "x-api-key", "x-request-id", "x-csrf-token",
        "x-requested-with", "expect", "upgrade",
    ]
    static let maximumFields = 1000

    /// Whether a header's value is inspected (Cookie and Referer are, split into their parts): every one but
    /// `structuredHeaders` and the browser's `Sec-CH-…`/`Sec-Fetch-…` hints. Runs for every header of
    /// every request, so it compares bytes instead of lowercasing.
    public static func isInspectedHeader(_ name: String) -> Bool {
        if ASCIINames.hasPrefix(name, "sec-ch-") || ASCIINames.hasPrefix(name, "sec-fetch-") { return false }
        return !structuredHeaders.contains { ASCIINames.equals(name, $0) }
    }

    public static func isContentType(_ name: String) -> Bool {
        ASCIINames.equals(name, "content-type")
    }

    /// A target of plain path characters only — letters, digits, `/`, `-`, `_`, `.` and `~`, no `..`, no
    /// query — which no detector could find anything in.
    public static func isPlainTarget(_ target: String) -> Bool {
        var previousDot = false
        for byte in target.utf8 {
            let dot = byte == UInt8(ascii: ".")
            if dot && previousDot { return false }
            previousDot = dot
            guard SQLLexer.isWordByte(byte) && byte != UInt8(ascii: "$") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "-") || dot
                    || byte == UInt8(ascii: "~") else { return false }
        }
        return true
    }

    public init(method: String, target: String, headers: [(name: String, value: String)], body: [UInt8], bodyLimit: Int = 64 * 1024) {
        self.method = method
        let targetBytes = Array(target.utf8)
        let questionMark = targetBytes.firstIndex(of: UInt8(ascii: "?"))
        let path = targetBytes[..<(questionMark ?? targetBytes.endIndex)]
        add(.path, "", Array(path))
        // Each unusual path segment on its own, as a router hands it to the application (`/api/products/<id>`).
        let segments = path.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true)
        for (index, segment) in segments.enumerated() where segment.contains(where: { !Self.plainPathByte($0) }) {
            add(.path, "segment\(index + 1)", Array(segment))
        }
        if let questionMark { addParameters(targetBytes[(questionMark + 1)...], names: .queryName, values: .queryValue) }

        var contentType = "", boundary: String?
        for (name, value) in headers {
            let lowered = name.lowercased()
            if lowered == "content-type" {
                contentType = value.lowercased()
                boundary = Self.boundary(value)
            }
            if lowered == "cookie" {
                addCookies(Array(value.utf8))
            } else if lowered == "referer" {
                add(.header, name, Array(value.utf8))
                let bytes = Array(value.utf8)
                if let mark = bytes.firstIndex(of: UInt8(ascii: "?")) { addParameters(bytes[(mark + 1)...], names: .header, values: .header, prefix: "Referer.") }
            } else if Self.isInspectedHeader(name) {
                add(.header, name, Array(value.utf8))
            }
        }

        guard !body.isEmpty else { return }
        var inspected = body
        if body.count > bodyLimit {
            inspected = Array(body[..<bodyLimit])
            bodyTruncated = true
            uninspectable = .body(byteCount: body.count, limit: bodyLimit)
        }
        let typeSaysJSON = ASCIINames.contains(contentType, "json")
        // A body without a type is read as JSON by the shop's handlers, so it must be UTF-8 JSON too.
        if contentType.isEmpty || typeSaysJSON {
            if let problem = Self.notUTF8(inspected, cut: bodyTruncated) {
                if uninspectable == nil { uninspectable = .encoding(problem) }
            } else if inspected.starts(with: [0xEF, 0xBB, 0xBF]) {
                inspected.removeFirst(3)  // a UTF-8 byte-order mark, which RFC 8259 lets a reader ignore
            }
        }
        if contentType.hasPrefix("application/x-www-form-urlencoded") {
            addParameters(inspected[...], names: .bodyName, values: .body)
        } else if typeSaysJSON || inspected.first(where: { !Transforms.isSpace($0) }).map({ $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "[") }) == true {
            if let strings = JSONStrings.extract(inspected) {
                for string in strings { add(string.isKey ? .bodyName : .body, string.path, string.value) }
            } else {
                add(.body, "", inspected)
            }
        } else if ASCIINames.contains(contentType, "xml") || inspected.starts(with: Array("<?xml".utf8)), let found = XMLFields.extract(inspected) {
            for value in found { add(.xml, value.path, value.value) }
        } else if contentType.hasPrefix("multipart/form-data"), let boundary {
            for part in Multipart.parts(inspected, boundary: boundary) {
                add(.bodyName, "", Array(part.name.utf8))
                if let fileName = part.fileName { add(.fileName, part.name, fileName) }
                add(.body, part.name, part.value)
            }
        } else {
            add(.body, "", inspected)
        }
    }

    static func plainPathByte(_ byte: UInt8) -> Bool {
        SQLLexer.isWordByte(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "~")
    }

    /// Why `body` is not UTF-8 text, if it is not: JSON in UTF-16 or UTF-32 shows as NUL bytes (and often a
    /// byte-order mark). A body cut at the inspection limit may end inside a character; that is not held
    /// against it.
    static func notUTF8(_ body: [UInt8], cut: Bool) -> String? {
        if body.starts(with: [0xFE, 0xFF]) || body.starts(with: [0xFF, 0xFE]) { return "a UTF-16 or UTF-32 byte-order mark" }
        if body.starts(with: [0, 0, 0xFE, 0xFF]) { return "a UTF-32 byte-order mark" }
        if body.contains(0) { return "NUL bytes, as UTF-16 or UTF-32 text has" }
        var checked = body[...]
        // Drop an incomplete final character of a cut body: at most three continuation bytes and their lead.
        if cut, let lead = body.suffix(4).lastIndex(where: { $0 & 0xC0 != 0x80 }), body[lead] >= 0xC0 { checked = body[..<lead] }
        return String(validating: checked, as: UTF8.self) == nil ? "invalid UTF-8" : nil
    }

    private mutating func add(_ location: FieldLocation, _ name: String, _ raw: [UInt8]) {
        guard !raw.isEmpty else { return }
        guard fields.count < Self.maximumFields else {
            if uninspectable == nil { uninspectable = .fields(limit: Self.maximumFields) }
            return
        }
        fields.append(InspectedField(location: location, name: name, value: Transforms.removeNulls(Transforms.urlDecode(raw, plusAsSpace: location != .path))))
    }

    private mutating func addParameters(_ text: ArraySlice<UInt8>, names: FieldLocation, values: FieldLocation, prefix: String = "") {
        for pair in text.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let equals = pair.firstIndex(of: UInt8(ascii: "="))
            let rawName = Array(pair[..<(equals ?? pair.endIndex)])
            let name = String(decoding: Transforms.urlDecode(rawName), as: UTF8.self)
            add(names, names == values ? prefix + name : "", rawName)
            if let equals { add(values, prefix + name, Array(pair[(equals + 1)...])) }
        }
    }

    private mutating func addCookies(_ header: [UInt8]) {
        for pair in header.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: true) {
            let equals = pair.firstIndex(of: UInt8(ascii: "="))
            let name = String(decoding: pair[..<(equals ?? pair.endIndex)], as: UTF8.self).trimmingSpaces
            // Names too: an application that loops over its cookies reads them as data.
            if name.utf8.contains(where: { !Self.plainPathByte($0) }) { add(.cookieName, "", Array(name.utf8)) }
            add(.cookie, name, Array(pair[(equals.map { $0 + 1 } ?? pair.endIndex)...]))
        }
    }

    /// The multipart boundary of a Content-Type value, as written (boundaries are case-sensitive).
    static func boundary(_ contentType: String) -> String? {
        let bytes = Array(contentType.utf8)
        guard let start = ByteSearch.find("boundary=", in: Transforms.lowercase(bytes), from: 0) else { return nil }
        var value = bytes[(start + 9)...].prefix { $0 != UInt8(ascii: ";") }
        if value.first == UInt8(ascii: "\""), value.last == UInt8(ascii: "\""), value.count >= 2 { value = value.dropFirst().dropLast() }
        return value.isEmpty ? nil : String(decoding: value, as: UTF8.self)
    }
}

extension String {
    var trimmingSpaces: String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
