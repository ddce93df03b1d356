import Foundation
import Store

/// How the shop keeps its records in the store: key attributes and the few attributes that conditions and
/// updates act on (stock, status…) as native store values, and the rest of the record as one JSON document
/// in `doc`. Native attributes win over the document's copy when reading back.
enum StoredDocument {
    static let field = "doc"

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.dateEncodingStrategy = .millisecondsSince1970
        return encoder
    }()

    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return decoder
    }()

    /// The store item for `value`: `keys` and `native` attributes alongside the JSON document.
    static func item<T: Encodable>(_ value: T, keys: Item, native: Item = [:]) -> Item {
        var item = keys.merging(native) { key, _ in key }
        let json = (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        item[field] = .string(json)
        return item
    }

    /// The record in `item`, or nil if the item holds no readable document.
    static func decode<T: Decodable>(_ type: T.Type, from item: Item) -> T? {
        guard case .string(let json)? = item[field] else { return nil }
        return try? decoder.decode(T.self, from: Data(json.utf8))
    }
}
