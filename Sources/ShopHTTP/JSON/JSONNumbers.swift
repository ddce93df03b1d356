import WAF

/// The numbers of a JSON document that are not whole numbers an `Int` holds (`1.5`, `1e400`,
/// `99999999999999999999999`), with the path each sits at (`items[0].quantity`). Foundation's decoder reports
/// such a number for an `Int` field as "the data is not valid JSON", with no path; this finds the fields a
/// client must fix. A tolerant single pass: depth and the number of paths kept are bounded.
enum JSONNumbers {
    static let maximumDepth = 64
    static let maximumFound = 8

    static func notWholeNumbers(in bytes: [UInt8]) -> [String] {
        var found: [String] = []
        var path = JSONPath()
        var expectingKey = false
        var index = 0

        while index < bytes.count, found.count < maximumFound {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard path.depth < maximumDepth else { return found }
                path.open(object: byte == UInt8(ascii: "{"))
                expectingKey = byte == UInt8(ascii: "{")
                index += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                path.close(object: byte == UInt8(ascii: "}"))  // tolerant: a mismatch is the decoder's to report
                expectingKey = false
                index += 1
            case UInt8(ascii: ","):
                if path.nextMember() == true { expectingKey = true }
                index += 1
            case UInt8(ascii: "\""):
                var end = index + 1
                while end < bytes.count, bytes[end] != UInt8(ascii: "\"") { end += bytes[end] == UInt8(ascii: "\\") ? 2 : 1 }
                if expectingKey { path.setKey(String(decoding: bytes[(index + 1)..<min(end, bytes.count, index + 65)], as: UTF8.self)) }
                index = end + 1
            case UInt8(ascii: ":"):
                expectingKey = false
                index += 1
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                var end = index + 1
                while end < bytes.count, isNumberByte(bytes[end]) { end += 1 }
                if !isWholeInt(bytes[index..<end]) { found.append(path.text) }
                index = end
            default:
                index += 1
            }
        }
        return found
    }

    static func isNumberByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e")
            || byte == UInt8(ascii: "E") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
    }

    /// Digits only (after an optional minus) that fit an `Int`.
    static func isWholeInt(_ text: ArraySlice<UInt8>) -> Bool {
        Int(String(decoding: text, as: UTF8.self)) != nil
    }
}
