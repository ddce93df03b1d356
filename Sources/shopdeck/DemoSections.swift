import Foundation
import Recommender
import Shop
import WAF

/// The demo's firewall and recommender sections, printed after the flash sale.
enum DemoSections {
    /// Shoppers' look-alikes and attackers' payloads through the gateway's firewall.
    static func firewall(_ output: any CommandOutput) {
        output.out("The web application firewall on shoppers and attackers:")
        let firewall = WebApplicationFirewall()
        let requests = [
            ("GET", "/api/products?q=O%27Reilly", ""), ("GET", "/api/products?q=rock+%26+roll", ""), ("GET", "/api/products?q=select+wine", ""),
            ("GET", "/api/products?q=1%27%20UNION%20SELECT%20password%20FROM%20users--", ""),
            ("POST", "/api/events", #"{"type":"view","productId":"<svg/onload=alert(document.cookie)>"}"#),
            ("GET", "/api/products?q=%3B%20cat%20%2Fetc%2Fpasswd", ""), ("GET", "/api/products/..%252f..%252fetc%252fpasswd", ""),
        ]
        for (method, target, body) in requests {
            let headers: [(name: String, value: String)] = body.isEmpty ? [] : [("Content-Type", "application/json")]
            let verdict = firewall.inspect(method: method, target: target, headers: headers, body: Array(body.utf8), clientIP: "203.0.113.7")
            let shown = (method + " " + target + (body.isEmpty ? "" : " " + body)).prefix(70)
            switch verdict {
            case .block(let rule, let detection):
                output.out("  403 \(rule.padding(toLength: 9, withPad: " ", startingAt: 0)) \(shown)  (\(detection.shape) in \(detection.field))")
            default:
                output.out("  pass          \(shown)")
            }
        }
    }

    /// A model trained on a generated history over the shop's catalog, evaluated against popularity.
    static func recommendations(_ output: any CommandOutput, seed: UInt64) {
        output.out("Recommendations from purchase trends (a generated history of 20,000 purchases by 2,000 shoppers):")
        let products = CatalogGenerator.products()
        var generator = DemoHistory()
        generator.users = 2000
        generator.purchases = 20_000
        generator.seed = seed
        let history = generator.interactions(catalogue: products.map { ($0.id, $0.category) })
        let started = Date()
        let model = ModelBuilder().build(interactions: history, catalogue: products.map { ($0.id, $0.category) }, version: 1, now: generator.end)
        let seconds = Date().timeIntervalSince(started)
        let name = { (id: String) in products.first { $0.id == id }?.name }
        if let serving = model.servingMetrics, let baseline = model.metrics["popularity"] {
            output.out(String(format: "  model            %@ trained in %.1f s; NDCG@10 %.3f against popularity's %.3f (leave-last-out, %d shoppers)",
                              model.servingName, seconds, serving.ndcg10, baseline.ndcg10, model.evaluatedUsers))
        }
        guard let shopper = history.last(where: \.isPurchase) else { return }
        let bought = history.filter { $0.user == shopper.user && $0.isPurchase }
        output.out("  shopper \(shopper.user) bought \(bought.suffix(3).compactMap { name($0.item) }.joined(separator: ", "))")
        for item in model.recommend(history: bought.map { ($0.item, 1) }, purchases: bought.map { ($0.item, $0.timestamp) }, excluding: Set(bought.map(\.item)), limit: 3) {
            output.out("    → \(name(item.item) ?? item.item) — \(item.reason.text(naming: name))")
        }
    }
}
