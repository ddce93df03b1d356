import HTTP
import Recommender
import Shop
import Store

/// `/api/products/{id}/similar`, `/api/recommendations` and `/api/recommendations/top`: what the model in
/// service proposes, and the live best sellers and trending items.
extension ShopRoutes {
    struct RecommendedItem: Encodable {
        var productId: String
        var score: Double
        var reason: String
    }

    struct Recommended: Encodable {
        var productId: String?
        /// null while no model is in service (best sellers answer instead).
        var modelVersion: Int?
        var items: [RecommendedItem]

        private enum CodingKeys: String, CodingKey { case productId, modelVersion, items }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeIfPresent(productId, forKey: .productId)
            try container.encode(modelVersion, forKey: .modelVersion)
            try container.encode(items, forKey: .items)
        }
    }

    struct TopItems: Encodable {
        struct Seller: Encodable { var productId: String; var count: Int }
        struct Trend: Encodable { var productId: String; var score: Double }
        var topSellers: [Seller]
        var trending: [Trend]
    }

    func registerRecommendations(_ router: inout Router) {
        let catalog = core.catalog
        let recommendations = core.recommendations
        let accounts = core.accounts
        let items = { @Sendable (list: [Recommendation]) in
            list.map { RecommendedItem(productId: $0.item, score: $0.score, reason: $0.reason.text { catalog.details($0)?.name }) }
        }

        router.get("/api/products/{id}/similar", gateway.cachedRoute { request in
            let id = request.parameter("id")
            guard catalog.exists(id) else { throw HTTPError.notFound("no product \(id)") }
            let (version, similar) = recommendations.similar(to: id, limit: try Self.limit(request))
            return CachedAnswer(status: 200, body: JSONBody.encode(Recommended(productId: id, modelVersion: version, items: items(similar))))
        })
        router.get("/api/recommendations", gateway.route { request in
            let session = try accounts.authenticate(bearer: request.http.bearerToken)
            let limit = try Self.limit(request)
            do throws(StoreError) {
                let (version, proposed) = try await recommendations.forShopper(session.userId, limit: limit)
                return JSONBody.response(Recommended(productId: nil, modelVersion: version, items: items(proposed)))
            } catch {
                throw ShopError.storage(error)
            }
        })
        router.get("/api/recommendations/top", gateway.cachedRoute { request in
            let top = recommendations.top(limit: try Self.limit(request))
            return CachedAnswer(status: 200, body: JSONBody.encode(TopItems(topSellers: top.sellers.map { .init(productId: $0.item, count: $0.buyers) },
                                                                            trending: top.trending.map { .init(productId: $0.item, score: $0.score) })))
        })
    }

    /// `limit` (1–50, default 10).
    static func limit(_ request: ShopRequest) throws(HTTPError) -> Int {
        guard let text = request.query("limit"), !text.isEmpty else { return 10 }
        guard let value = Int(text), (1...50).contains(value) else { throw HTTPError.invalidField("limit must be 1 to 50") }
        return value
    }
}
