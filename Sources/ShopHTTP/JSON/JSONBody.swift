import Foundation
import HTTP
import Shop

/// Request bodies in, JSON answers out, with errors a client can act on.
public enum JSONBody {
    /// Decodes the request body as `T`: 415 for a non-JSON content type, 400 for malformed JSON, 422 naming
    /// the field that is missing or of the wrong type. `scanner`, when given, reads the body first and may
    /// answer in place of `JSONDecoder`, for a shape it knows; it must agree with `JSONDecoder` or decline.
    public static func decode<T: Decodable>(_ type: T.Type, from request: HTTPRequest, scanner: (([UInt8]) -> T?)? = nil) throws(HTTPError) -> T {
        if let contentType = request.headers["Content-Type"],
           !contentType.lowercased().hasPrefix("application/json") {
            throw HTTPError(status: 415, code: "unsupported_media_type", message: "send the body as application/json, not \(contentType)")
        }
        guard !request.body.isEmpty else { throw HTTPError.badRequest("the request needs a JSON body") }
        // RFC 8259: JSON between systems is UTF-8. Foundation would also read UTF-16 and UTF-32, which the WAF
        // does not inspect as such, so a handler must never see what the firewall could not read.
        if request.body.contains(0) || String(validating: request.body, as: UTF8.self) == nil {
            throw HTTPError(status: 415, code: "unsupported_media_type", message: "send the JSON body as UTF-8")
        }
        if let scanned = scanner?(request.body) { return scanned }
        do {
            return try JSONDecoder().decode(T.self, from: Data(request.body))
        } catch let error as DecodingError {
            // Foundation calls a fraction or an overflowing number in an integer field invalid JSON, without a path.
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty, isWellFormed(request.body) {
                let fields = JSONNumbers.notWholeNumbers(in: request.body)
                if !fields.isEmpty { throw .invalidField("\(fields.joined(separator: " or ")) must be a whole number") }
            }
            throw describe(error)
        } catch {
            throw HTTPError.badRequest("the body is not valid JSON")
        }
    }

    /// Like `decode`, but an empty body gives nil.
    public static func decodeIfPresent<T: Decodable>(_ type: T.Type, from request: HTTPRequest,
                                                     scanner: (([UInt8]) -> T?)? = nil) throws(HTTPError) -> T? {
        request.body.isEmpty ? nil : try decode(type, from: request, scanner: scanner)
    }

    /// Whether `body` is well-formed JSON, by JSONSerialization — which refuses only one kind of valid JSON:
    /// a number beyond a Double's range (`1e400`), which it says is "not representable".
    private static func isWellFormed(_ body: [UInt8]) -> Bool {
        do {
            _ = try JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])
            return true
        } catch {
            return ((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String)?.contains("not representable") == true
        }
    }

    private static func describe(_ error: DecodingError) -> HTTPError {
        func path(_ context: DecodingError.Context, _ key: CodingKey? = nil) -> String {
            let keys = context.codingPath + (key.map { [$0] } ?? [])
            return keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return .invalidField("\(path(context, key)) is required")
        case .typeMismatch(let type, let context):
            return .invalidField("\(path(context)) must be \(typeName(type))")
        case .valueNotFound(let type, let context):
            return .invalidField("\(path(context)) must be \(typeName(type)), not null")
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? .badRequest("the body is not valid JSON") : .invalidField("\(path(context)) is invalid")
        @unknown default:
            return .badRequest("the body could not be read")
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Double.Type: "a number"
        case is Bool.Type: "true or false"
        default: type is any Collection.Type ? "a list" : "an object"
        }
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// `value` as JSON bytes.
    public static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        // Our response types encode only strings, numbers, booleans, lists and objects, which cannot fail.
        (try? Array(encoder.encode(value))) ?? Array(#"{"error":{"code":"internal","message":"response could not be encoded"}}"#.utf8)
    }

    /// A JSON response carrying `value`.
    public static func response<T: Encodable>(_ value: T, status: Int = 200) -> HTTPResponse {
        .json(bytes: encode(value), status: status)
    }

    /// A JSON response carrying an object of strings, written as `encode` would write it (`FlatJSONObject`).
    public static func response(_ object: [String: String], status: Int = 200) -> HTTPResponse {
        .json(bytes: FlatJSONObject.encode(object), status: status)
    }
}
