import Foundation
import Telemetry

/// Items in DynamoDB's JSON form (`{"id":{"S":"p1"},"stock":{"N":"5"}}`), as its exports write them.
/// Numbers travel as strings, so no precision is lost.
public enum DynamoJSON {
    /// `item` as one line of JSON, keys sorted.
    public static func encode(_ item: Item) -> String {
        var out = ""
        writeMap(item, into: &out)
        return out
    }

    private static func writeMap(_ map: [String: AttributeValue], into out: inout String) {
        out += "{"
        for (index, key) in map.keys.sorted().enumerated() {
            if index > 0 { out += "," }
            out += JSONText.quoted(key)
            out += ":"
            write(map[key]!, into: &out)
        }
        out += "}"
    }

    private static func write(_ value: AttributeValue, into out: inout String) {
        switch value {
        case .string(let s): out += "{\"S\":\(JSONText.quoted(s))}"
        case .number(let n): out += "{\"N\":\"\(n)\"}"
        case .bool(let b): out += "{\"BOOL\":\(b ? "true" : "false")}"
        case .null: out += "{\"NULL\":true}"
        case .binary(let b): out += "{\"B\":\"\(Data(b).base64EncodedString())\"}"
        case .list(let list):
            out += "{\"L\":["
            for (index, element) in list.enumerated() {
                if index > 0 { out += "," }
                write(element, into: &out)
            }
            out += "]}"
        case .map(let map):
            out += "{\"M\":"
            writeMap(map, into: &out)
            out += "}"
        }
    }

    /// Parses one item; throws `.validation` naming what is wrong.
    public static func decode(_ text: String) throws(StoreError) -> Item {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: Data(text.utf8)) } catch {
            throw .validation("not valid JSON: \(error.localizedDescription)")
        }
        guard let map = object as? [String: Any] else { throw .validation("an item must be a JSON object") }
        return try decodeMap(map, depth: 0)
    }

    static func decodeMap(_ map: [String: Any], depth: Int) throws(StoreError) -> Item {
        var item: Item = [:]
        for (name, raw) in map { item[name] = try decodeValue(raw, path: name, depth: depth) }
        return item
    }

    private static func decodeValue(_ raw: Any, path: String, depth: Int) throws(StoreError) -> AttributeValue {
        guard depth < 32 else { throw .validation("\(path) nests more than 32 levels") }
        guard let typed = raw as? [String: Any], typed.count == 1, let (type, payload) = typed.first else {
            throw .validation("\(path) must be an object with exactly one type descriptor (S, N, BOOL, NULL, L, M, B)")
        }
        switch type {
        case "S":
            guard let s = payload as? String else { throw .validation("\(path): S takes a string") }
            return .string(s)
        case "N":
            guard let s = payload as? String, let n = Number(parsing: s) else { throw .validation("\(path): N takes a number written as a string") }
            return .number(n)
        case "BOOL":
            guard let b = payload as? Bool, isBoolean(payload) else { throw .validation("\(path): BOOL takes true or false") }
            return .bool(b)
        case "NULL":
            return .null
        case "B":
            guard let s = payload as? String, let data = Data(base64Encoded: s) else { throw .validation("\(path): B takes base64 text") }
            return .binary([UInt8](data))
        case "L":
            guard let list = payload as? [Any] else { throw .validation("\(path): L takes an array") }
            var values: [AttributeValue] = []
            for (index, element) in list.enumerated() { values.append(try decodeValue(element, path: "\(path)[\(index)]", depth: depth + 1)) }
            return .list(values)
        case "M":
            guard let map = payload as? [String: Any] else { throw .validation("\(path): M takes an object") }
            var values: [String: AttributeValue] = [:]
            for (name, element) in map { values[name] = try decodeValue(element, path: "\(path).\(name)", depth: depth + 1) }
            return .map(values)
        default:
            throw .validation("\(path): unknown type descriptor \(type)")
        }
    }

    /// JSONSerialization hands back booleans as NSNumber; tell them from 0 and 1.
    private static func isBoolean(_ value: Any) -> Bool {
        guard let number = value as? NSNumber else { return false }
        return String(cString: number.objCType) == "c"
    }
}
