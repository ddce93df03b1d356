/// Every string in a JSON document — keys and values — with the path it sits at, unescaped. Numbers,
/// booleans and nulls carry no payload, so they are skipped. A tolerant scanner rather than a parser: it
/// never builds the document, costs one pass, and gives up (nil) on text that is not JSON, so the caller
/// can inspect the body as raw text instead.
enum JSONStrings {
    struct Found: Equatable {
        var path: String
        var value: [UInt8]
        var isKey: Bool
    }

    static let maximumDepth = 64
    static let maximumKeyInPath = 64

    static func extract(_ bytes: [UInt8]) -> [Found]? {
        var found: [Found] = []
        var index = 0
        var path = JSONPath()
        var expectingKey = false

        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard path.depth < maximumDepth else { return nil }
                path.open(object: byte == UInt8(ascii: "{"))
                expectingKey = byte == UInt8(ascii: "{")
                index += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                guard path.close(object: byte == UInt8(ascii: "}")) else { return nil }
                expectingKey = false
                index += 1
            case UInt8(ascii: ","):
                guard let inObject = path.nextMember() else { return nil }
                expectingKey = inObject
                index += 1
            case UInt8(ascii: ":"):
                expectingKey = false
                index += 1
            case UInt8(ascii: "\""):
                guard let (value, end) = readString(bytes, from: index + 1) else { return nil }
                // A key is kept to name its values' path, cut short: a long key repeated in every path of a large
                // array would cost its length once per element.
                let isKey = expectingKey && path.setKey(String(decoding: value.prefix(Self.maximumKeyInPath), as: UTF8.self))
                found.append(Found(path: path.text, value: value, isKey: isKey))
                index = end
            case 0x20, 0x09, 0x0A, 0x0D:
                index += 1
            default:
                // A number, true, false or null: skip to the next structural character.
                guard byte == UInt8(ascii: "-") || byte == UInt8(ascii: "t") || byte == UInt8(ascii: "f") || byte == UInt8(ascii: "n")
                    || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) else { return nil }
                while index < bytes.count, ![UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) {
                    index += 1
                }
            }
        }
        return path.depth == 0 ? found : nil
    }

    /// The unescaped string starting after its opening quote, and the index after its closing quote.
    static func readString(_ bytes: [UInt8], from start: Int) -> ([UInt8], Int)? {
        var value: [UInt8] = []
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") { return (value, index + 1) }
            guard byte == UInt8(ascii: "\\") else {
                value.append(byte)
                index += 1
                continue
            }
            guard index + 1 < bytes.count else { return nil }
            let escaped = bytes[index + 1]
            switch escaped {
            case UInt8(ascii: "n"): value.append(0x0A)
            case UInt8(ascii: "t"): value.append(0x09)
            case UInt8(ascii: "r"): value.append(0x0D)
            case UInt8(ascii: "b"): value.append(0x08)
            case UInt8(ascii: "f"): value.append(0x0C)
            case UInt8(ascii: "u"):
                guard index + 6 <= bytes.count, let code = Transforms.hexValue(bytes[(index + 2)..<(index + 6)]) else { return nil }
                Transforms.appendUTF8(code, to: &value)
                index += 6
                continue
            default: value.append(escaped)  // \" \\ \/ and anything else taken literally
            }
            index += 2
        }
        return nil
    }
}
