/// The fields of a `multipart/form-data` body: each part's `name` and `filename` (from Content-Disposition)
/// and content. File contents are inspected like any other field, and so are the names — `../` rides in a
/// file name as often as in a path; a part without a name is labelled by its position.
enum Multipart {
    struct Part {
        var name: String
        /// The `filename="…"` of a file part, as the client sent it.
        var fileName: [UInt8]?
        var value: [UInt8]
    }

    static func parts(_ body: [UInt8], boundary: String) -> [Part] {
        let delimiter = Array(("--" + boundary).utf8)
        var parts: [Part] = []
        var starts: [Int] = []
        var index = 0
        while let found = ByteSearch.find(delimiter, in: body, from: index) {
            starts.append(found)
            index = found + delimiter.count
        }
        for (offset, start) in starts.enumerated() {
            let contentStart = start + delimiter.count
            let end = offset + 1 < starts.count ? starts[offset + 1] : body.count
            guard contentStart < end else { continue }
            let section = Array(body[contentStart..<end])
            guard let headerEnd = ByteSearch.find([0x0D, 0x0A, 0x0D, 0x0A], in: section, from: 0) else { continue }
            let headers = Array(section[..<headerEnd])
            var value = Array(section[(headerEnd + 4)...])
            if value.suffix(2) == [0x0D, 0x0A] { value.removeLast(2) }
            parts.append(Part(name: name(in: headers) ?? "part\(offset + 1)", fileName: quoted(" filename=\"", in: headers), value: value))
        }
        return parts
    }

    static func name(in headers: [UInt8]) -> String? {
        // The space keeps filename=" from matching; `;name=` without one is matched too.
        (quoted(" name=\"", in: headers) ?? quoted(";name=\"", in: headers)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The quoted text after `marker` in a part's headers.
    static func quoted(_ marker: String, in headers: [UInt8]) -> [UInt8]? {
        let bytes = Array(marker.utf8)
        guard let start = ByteSearch.find(bytes, in: headers, from: 0) else { return nil }
        let rest = headers[(start + bytes.count)...]
        return rest.firstIndex(of: UInt8(ascii: "\"")).map { Array(rest[..<$0]) }
    }
}
