/// How many terminal columns text takes: East Asian wide and full-width characters and emoji take two,
/// combining marks and controls none, everything else one — what `wcwidth` answers, without the C locale.
public enum TextWidth {
    /// Columns of one grapheme cluster: its first scalar decides, later ones (combining marks, variation
    /// selectors, joiners) add nothing — except an emoji presentation selector, which widens.
    public static func of(_ character: Character) -> Int {
        // Printable ASCII — nearly everything the console draws — without Unicode property lookups.
        if let ascii = character.asciiValue { return ascii >= 0x20 && ascii < 0x7F ? 1 : 0 }
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return 0 }
        if scalars.contains(where: { $0.value == 0xFE0F }) { return 2 }
        return of(first)
    }

    /// Controls (C0, DEL, C1) and format characters (bidirectional overrides, zero-width spaces): nothing a
    /// terminal should be sent from data.
    static func isControlOrFormat(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x20 || (0x7F...0x9F).contains(value) { return true }
        return value >= 0xA0 && scalar.properties.generalCategory == .format
    }

    public static func of(_ scalar: Unicode.Scalar) -> Int {
        let value = scalar.value
        if value < 0x20 || (0x7F..<0xA0).contains(value) { return 0 }
        if value < 0x7F { return 1 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if scalar.properties.isEmojiPresentation { return 2 }
        for range in wide where range.contains(value) { return 2 }
        return 1
    }

    /// Columns of a string.
    public static func of(_ text: String) -> Int {
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text.utf8.count }
        return text.reduce(0) { $0 + of($1) }
    }

    /// `text` cut to at most `columns`, ending in an ellipsis (`…`, or `~` in ASCII mode) when it was cut.
    public static func truncate(_ text: String, to columns: Int, ascii: Bool = false) -> String {
        guard columns > 0 else { return "" }
        guard of(text) > columns else { return text }
        var result = ""
        var used = 0
        for character in text {
            let width = of(character)
            if used + width > columns - 1 { break }
            result.append(character)
            used += width
        }
        return result + (ascii ? "~" : "…")
    }

    /// `text` cut to at most `columns` by taking out its middle, so names that differ only at the end
    /// (`drop-entries.fifo`, `drop-entries-dlq.fifo`) stay apart when cut: `drop-ent…dlq.fifo`.
    public static func truncateMiddle(_ text: String, to columns: Int, ascii: Bool = false) -> String {
        guard columns > 2, of(text) > columns else { return truncate(text, to: columns, ascii: ascii) }
        let characters = Array(text)
        var tail: [Character] = [], tailWidth = 0
        let tailRoom = (columns - 1) / 2
        for character in characters.reversed() {
            guard tailWidth + of(character) <= tailRoom else { break }
            tail.insert(character, at: 0)
            tailWidth += of(character)
        }
        return truncate(String(characters.dropLast(tail.count)), to: columns - tailWidth, ascii: ascii) + String(tail)
    }

    /// `text` padded with spaces (or cut) to exactly `columns`, left- or right-aligned; `middle` cuts out the
    /// middle rather than the end.
    public static func fit(_ text: String, to columns: Int, rightAligned: Bool = false, middle: Bool = false, ascii: Bool = false) -> String {
        let cut = middle ? truncateMiddle(text, to: columns, ascii: ascii) : truncate(text, to: columns, ascii: ascii)
        let padding = String(repeating: " ", count: max(0, columns - of(cut)))
        return rightAligned ? padding + cut : cut + padding
    }

    /// East Asian Wide and Fullwidth blocks (Unicode's EastAsianWidth W and F, by block).
    static let wide: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF,
        0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19,
        0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x2FFFD,
        0x30000...0x3FFFD,
    ]
}
