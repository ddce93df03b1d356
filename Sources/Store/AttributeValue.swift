import Foundation

/// One value in an item: DynamoDB's scalar and document types (sets are not supported).
public enum AttributeValue: Sendable, Hashable {
    case string(String)
    case number(Number)
    case bool(Bool)
    case null
    case list([AttributeValue])
    case map([String: AttributeValue])
    case binary([UInt8])

    /// The DynamoDB type descriptor (`S`, `N`, `BOOL`, `NULL`, `L`, `M`, `B`), used in messages and `attribute_type`.
    public var typeName: String { type.rawValue }

    /// The value's type.
    public var type: AttributeType {
        switch self {
        case .string: .string
        case .number: .number
        case .bool: .bool
        case .null: .null
        case .list: .list
        case .map: .map
        case .binary: .binary
        }
    }

    /// The string, if this is one.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The number, if this is one.
    public var numberValue: Number? {
        if case .number(let n) = self { return n }
        return nil
    }

    /// The number as an `Int64`, if this is an integral number in range.
    public var int64Value: Int64? { numberValue?.int64 }

    /// The Boolean, if this is one.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The list, if this is one.
    public var listValue: [AttributeValue]? {
        if case .list(let l) = self { return l }
        return nil
    }

    /// The map, if this is one.
    public var mapValue: [String: AttributeValue]? {
        if case .map(let m) = self { return m }
        return nil
    }

    /// A number attribute.
    public static func number(_ value: Int) -> AttributeValue { .number(Number(value)) }
}

/// The type of an attribute value, by its DynamoDB descriptor.
public enum AttributeType: String, Sendable, CaseIterable {
    case string = "S", number = "N", bool = "BOOL", null = "NULL", list = "L", map = "M", binary = "B"
}

/// An item: attribute names to values. Key attributes are ordinary attributes named by the table schema.
public typealias Item = [String: AttributeValue]

extension AttributeValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}

extension AttributeValue: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int) { self = .number(Number(value)) }
}

extension AttributeValue: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension AttributeValue: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: AttributeValue...) { self = .list(elements) }
}

extension AttributeValue: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, AttributeValue)...) {
        self = .map(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

extension AttributeValue: ExpressibleByNilLiteral {
    public init(nilLiteral: ()) { self = .null }
}

extension AttributeValue: CustomStringConvertible {
    /// A compact, JSON-like rendering for messages and logs; canonical (map keys sorted, binaries in base64),
    /// so equal values always read the same.
    public var description: String {
        switch self {
        case .string(let s): "\"\(s)\""
        case .number(let n): n.description
        case .bool(let b): b ? "true" : "false"
        case .null: "null"
        case .list(let l): "[" + l.map(\.description).joined(separator: ",") + "]"
        case .map(let m): "{" + m.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}"
        case .binary(let b): "b64\"\(Data(b).base64EncodedString())\""
        }
    }
}
