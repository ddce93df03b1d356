/// The fields of a `multipart/form-data` body: each part's `name` (from Content-Disposition) and content.
/// File contents are inspected like any other field; a part without a name is labelled by its position.
enum Multipart {
    static func parts(_ body: [UInt8], boundary: String) -> [(name: String, value: [UInt8])] {
        let delimiter = Array(("--" + boundary).utf8)
        var parts: [(String, [UInt8])] = []
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
            parts.append((name(in: headers) ?? "part\(offset + 1)", value))
        }
        return parts
    }

    static func name(in headers: [UInt8]) -> String? {
        let marker = Array(" name=\"".utf8)  // the space keeps filename=" from matching
        guard let start = ByteSearch.find(marker, in: headers, from: 0) else { return nil }
        let rest = headers[(start + marker.count)...]
        return rest.firstIndex(of: UInt8(ascii: "\"")).map { String(decoding: rest[..<$0], as: UTF8.self) }
    }
}
