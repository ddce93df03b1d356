import Foundation
import FuzzSupport
import HTTP
import Testing
@testable import Shop
@testable import ShopHTTP

/// Seeded fuzzing of request-body decoding (issue 16): any body decodes, or is refused as malformed (400),
/// unsupported (415) or invalid (422) — never a crash or another status.
@Suite struct JSONBodyFuzzTests {
    static let pieces = ["{", "}", "[", "]", "\"", ":", ",", "\"productId\"", "\"quantity\"", "\"items\"", "\"email\"", "\"password\"", "1", "-1", "1.5",
                         "1e400", "99999999999999999999", "true", "null", "\"p1\"", "\\u0000", "\\ud800", "\\\"", " "]

    struct Line: Decodable { var productId: String; var quantity: Int }
    struct Order: Decodable { var items: [Line]? }

    @Test func anyBodyDecodesOrIsRefusedWith400Or415Or422() {
        Fuzz.run("JSON bodies", defaultCases: 3000) { generator, index in
            let body = generator.bytes(pieces: Self.pieces, maximum: generator.chance(0.05) ? 20_000 : 400)
            var headers = HTTPHeaders()
            if generator.chance(0.8) { headers.set("Content-Type", "application/json") }
            let request = HTTPRequest(method: "POST", target: "/api/orders", headers: headers, body: body)
            do throws(HTTPError) {
                _ = try JSONBody.decode(Order.self, from: request)
                _ = try JSONBody.decode(Line.self, from: request)
            } catch {
                #expect([400, 415, 422].contains(error.status), "case \(index): \(error.status) \(error.message)")
            }
        }
    }

    /// Differential: the fields JSONNumbers names are exactly the numbers of a document that are not whole
    /// numbers an Int holds.
    @Test func theNumberScannerNamesExactlyTheNumbersThatAreNotWholeIntegers() {
        Fuzz.run("JSON numbers", defaultCases: 2000) { generator, index in
            var expected: [String] = []
            var fields: [String] = []
            for position in 0..<generator.int(0...6) {
                let key = "k\(position)"
                let (text, whole) = generator.pick([("1", true), ("-42", true), ("9223372036854775807", true), ("9223372036854775808", false),
                                                    ("1.5", false), ("2.0", false), ("1e3", false), ("-0.5", false), ("1e400", false),
                                                    ("\"1.5\"", true), ("[3, 4.5]", true), ("{\"in\": 7.25}", true)])
                fields.append("\"\(key)\": \(text)")
                if !whole { expected.append(key) }
                if text == "[3, 4.5]" { expected.append("\(key)[1]") }
                if text == "{\"in\": 7.25}" { expected.append("\(key).in") }
            }
            let document = "{" + fields.joined(separator: ", ") + "}"
            #expect(JSONNumbers.notWholeNumbers(in: Array(document.utf8)) == expected, "case \(index): \(document)")
        }
    }
}
