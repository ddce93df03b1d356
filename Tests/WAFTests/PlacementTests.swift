import Foundation
import Testing
@testable import WAF

/// Every family in every place a request can carry it — query value and name, cookie value and name, a
/// custom header, a JSON key and value, a multipart file name, a raw text body — through the whole firewall,
/// with the field the verdict names. An attack caught in a query but passed in a cookie is not caught.
@Suite struct PlacementTests {
    static let attacks: [(family: AttackClass, payload: String)] = [
        (.sqli, "1' AND 5819=7655-- x"), (.sqli, "x') OR (SELECT 1 FROM t)=1#"),
        (.xss, "<svg/onload=alert(1)>"), (.xss, "javascript:alert(document.cookie)"),
        (.cmdi, ";cat /etc/hostname"), (.cmdi, "$(wh''oami)"),
        (.traversal, "../../../../etc/passwd"), (.traversal, "/.git/config"), (.traversal, "/var/www/.env"),
    ]

    enum Place: CaseIterable { case queryValue, queryName, cookieValue, cookieName, customHeader, jsonKey, jsonValue, multipartFileName, textBody, xmlText }

    /// The field a verdict names for each place, as CRS names its variables (a JSON key's name is the key).
    static func field(_ place: Place) -> String {
        switch place {
        case .queryValue: "ARGS:q"
        case .queryName: "ARGS_NAMES"
        case .cookieValue: "REQUEST_COOKIES:session"
        case .cookieName: "REQUEST_COOKIES_NAMES"
        case .customHeader: "REQUEST_HEADERS:Api-Version"
        case .jsonKey: "ARGS_NAMES"
        case .jsonValue: "ARGS:query.deep[0]"
        case .multipartFileName: "FILES:upload"
        case .textBody: "REQUEST_BODY"
        case .xmlText: "XML:/order/note"
        }
    }

    static func request(_ payload: String, in place: Place) -> (target: String, headers: [(name: String, value: String)], body: [UInt8]) {
        let encoded = payload.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? payload
        let json = String(decoding: try! JSONSerialization.data(withJSONObject: [payload], options: .fragmentsAllowed), as: UTF8.self).dropFirst().dropLast()
        switch place {
        case .queryValue: return ("/api/products?q=\(encoded)", [], [])
        case .queryName: return ("/api/products?\(encoded)=1", [], [])
        case .cookieValue: return ("/api/products", [("Cookie", "theme=dark; session=\(encoded)")], [])
        case .cookieName: return ("/api/products", [("Cookie", "\(encoded)=1")], [])
        case .customHeader: return ("/api/products", [("Api-Version", payload)], [])
        case .jsonKey: return ("/api/events", [("Content-Type", "application/json")], Array("{\(json):1}".utf8))
        case .jsonValue: return ("/api/events", [("Content-Type", "application/json")], Array("{\"query\":{\"deep\":[\(json)]}}".utf8))
        case .multipartFileName:
            let body = "--b\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"\(payload.replacingOccurrences(of: "\"", with: "%22"))\"\r\n\r\nhello\r\n--b--\r\n"
            return ("/api/uploads", [("Content-Type", "multipart/form-data; boundary=b")], Array(body.utf8))
        case .textBody: return ("/api/notes", [("Content-Type", "text/plain")], Array(payload.utf8))
        case .xmlText:
            let escaped = payload.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            return ("/api/orders", [("Content-Type", "application/xml")], Array("<?xml version=\"1.0\"?><order id=\"7\"><note>\(escaped)</note></order>".utf8))
        }
    }

    @Test(arguments: Place.allCases)
    func everyFamilyIsCaughtIn(_ place: Place) {
        let firewall = WebApplicationFirewall()
        for attack in Self.attacks {
            let request = Self.request(attack.payload, in: place)
            let verdict = firewall.inspect(method: "POST", target: request.target, headers: request.headers, body: request.body, clientIP: "198.51.100.7")
            guard case .block(_, let detection) = verdict else {
                Issue.record("\(attack.payload) in \(place) passed")
                continue
            }
            #expect(detection.attack == attack.family, "\(attack.payload) in \(place): \(detection.attack) \(detection.shape)")
        }
    }

    /// The same places holding what shoppers and browsers really send.
    @Test(arguments: Place.allCases)
    func shopTextPassesIn(_ place: Place) {
        let firewall = WebApplicationFirewall()
        for text in ["Ben & Jerry's \"Cookie Dough\"", "size 10 and 11", "rock 'n' roll (remastered)", "my .env question", "1950 or 1960",
                     "git config tips", "50% off; today only", "<3 this"] {
            let request = Self.request(text, in: place)
            let verdict = firewall.inspect(method: "POST", target: request.target, headers: request.headers, body: request.body, clientIP: "198.51.100.8")
            #expect(verdict == .allow, "\(text) in \(place): \(verdict)")
        }
    }
}
