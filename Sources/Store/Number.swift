import Foundation

/// An exact decimal number, as DynamoDB's number type: up to 38 significant digits.
///
/// Integers that fit 64 bits (stock counts, prices in minor units, epoch seconds) are kept as `Int64`,
/// so the hot path — a conditional decrement — never touches `Decimal` arithmetic; other values are
/// `Decimal`. Every value has one canonical form, so equal numbers are equal and hash alike.
public struct Number: Sendable, Hashable, Comparable, CustomStringConvertible {
    enum Storage: Sendable, Hashable {
        case integer(Int64)
        case decimal(Decimal)
    }

    let storage: Storage

    /// An integer.
    public init(_ value: Int) { storage = .integer(Int64(value)) }

    /// An integer.
    public init(_ value: Int64) { storage = .integer(value) }

    /// A decimal, normalised to an integer when it is one.
    public init(_ value: Decimal) {
        if let integer = Number.exactInteger(value) { storage = .integer(integer) } else { storage = .decimal(value) }
    }

    /// A binary floating-point value, by its shortest decimal representation (`0.1` stays `0.1`).
    /// Nil for NaN and infinities, which have no decimal form.
    public init?(_ value: Double) {
        guard value.isFinite else { return nil }
        if value == value.rounded(), abs(value) < 9e15 { self.init(Int64(value)); return }
        self.init(parsing: String(value))
    }

    /// Parses DynamoDB number text: optional sign, digits with an optional fraction, optional exponent.
    /// Nil when the text is anything else or out of range (38 significant digits, exponent within ±125).
    public init?(parsing text: String) {
        guard Number.isNumberSyntax(text) else { return nil }
        if text.utf8.count <= 18, !text.contains("."), !text.contains("e"), !text.contains("E"), let integer = Int64(text) {
            self.init(integer)
            return
        }
        guard let decimal = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")), !decimal.isNaN else { return nil }
        guard Number.significantDigits(text) <= 38, decimal.isZero || (decimal.exponent >= -130 && decimal.exponent <= 125) else { return nil }
        self.init(decimal)
    }

    /// The value as a `Decimal`.
    public var decimal: Decimal {
        switch storage {
        case .integer(let i): Decimal(i)
        case .decimal(let d): d
        }
    }

    /// The value as an `Int64` when it is an integer in range.
    public var int64: Int64? {
        if case .integer(let i) = storage { return i }
        return nil
    }

    /// The value as a `Double` (possibly rounded).
    public var double: Double {
        switch storage {
        case .integer(let i): Double(i)
        case .decimal(let d): NSDecimalNumber(decimal: d).doubleValue
        }
    }

    public var description: String {
        switch storage {
        case .integer(let i): String(i)
        case .decimal(let d): d.description
        }
    }

    public static func < (lhs: Number, rhs: Number) -> Bool {
        if case .integer(let a) = lhs.storage, case .integer(let b) = rhs.storage { return a < b }
        return lhs.decimal < rhs.decimal
    }

    /// Exact sum; nil when the result leaves the representable range.
    public static func adding(_ lhs: Number, _ rhs: Number) -> Number? {
        if case .integer(let a) = lhs.storage, case .integer(let b) = rhs.storage {
            let (sum, overflow) = a.addingReportingOverflow(b)
            if !overflow { return Number(sum) }
        }
        return checked(lhs.decimal + rhs.decimal)
    }

    /// Exact difference; nil when the result leaves the representable range.
    public static func subtracting(_ lhs: Number, _ rhs: Number) -> Number? {
        if case .integer(let a) = lhs.storage, case .integer(let b) = rhs.storage {
            let (difference, overflow) = a.subtractingReportingOverflow(b)
            if !overflow { return Number(difference) }
        }
        return checked(lhs.decimal - rhs.decimal)
    }

    private static func checked(_ value: Decimal) -> Number? {
        guard !value.isNaN else { return nil }
        return Number(value)
    }

    private static func exactInteger(_ value: Decimal) -> Int64? {
        guard !value.isNaN else { return nil }
        if value.isZero { return 0 }
        guard value >= Decimal(Int64.min), value <= Decimal(Int64.max) else { return nil }
        let candidate = NSDecimalNumber(decimal: value).int64Value
        return Decimal(candidate) == value ? candidate : nil
    }

    static func isNumberSyntax(_ text: String) -> Bool {
        var bytes = text.utf8[...]
        if bytes.first == UInt8(ascii: "-") || bytes.first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
        let isDigit = { (c: UInt8) in c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
        let integerDigits = bytes.prefix(while: isDigit).count
        bytes = bytes.dropFirst(integerDigits)
        var fractionDigits = 0
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            fractionDigits = bytes.prefix(while: isDigit).count
            bytes = bytes.dropFirst(fractionDigits)
        }
        guard integerDigits + fractionDigits > 0 else { return false }
        if bytes.first == UInt8(ascii: "e") || bytes.first == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if bytes.first == UInt8(ascii: "-") || bytes.first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
            let exponentDigits = bytes.prefix(while: isDigit).count
            guard exponentDigits > 0, exponentDigits <= 4 else { return false }
            bytes = bytes.dropFirst(exponentDigits)
        }
        return bytes.isEmpty
    }

    /// Digits between the first and last non-zero digit of the mantissa.
    static func significantDigits(_ text: String) -> Int {
        let mantissa = text.utf8.prefix { $0 != UInt8(ascii: "e") && $0 != UInt8(ascii: "E") }
        let digits = mantissa.filter { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        let trimmed = digits.drop { $0 == UInt8(ascii: "0") }
        return Array(trimmed).reversed().drop { $0 == UInt8(ascii: "0") }.count
    }
}

extension Number: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int) { self.init(value) }
}
