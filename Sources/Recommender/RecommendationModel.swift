/// Why an item is proposed, as the shop tells the shopper.
public enum RecommendationReason: Sendable, Equatable {
    /// People who bought `item` (one of the shopper's) bought this too.
    case boughtTogether(with: String)
    /// Shoppers who bought `item` (one of the shopper's latest purchases) often bought this next.
    case boughtAfter(String)
    case trending
    /// A best seller, in the shopper's favourite category when known.
    case popular(category: String?)

    /// The reason as text, naming items through `name` (an identifier when it has none).
    public func text(naming name: (String) -> String? = { _ in nil }) -> String {
        switch self {
        case .boughtTogether(let item): "bought together with \(name(item) ?? item)"
        case .boughtAfter(let item): "often bought after \(name(item) ?? item)"
        case .trending: "trending"
        case .popular(let category): category.map { "popular in \($0)" } ?? "popular"
        }
    }
}

/// One proposed item.
public struct Recommendation: Sendable, Equatable {
    public var item: String
    public var score: Double
    public var reason: RecommendationReason

    public init(item: String, score: Double, reason: RecommendationReason) {
        self.item = item
        self.score = score
        self.reason = reason
    }
}

/// A trained model as it serves: immutable, shared by every request without locks once loaded.
public final class RecommendationModel: Sendable {
    public let version: Int
    /// Seconds since 1970.
    public let trainedAt: Double
    /// The algorithm personal recommendations use: the one that did best on the evaluation split.
    public let algorithm: Algorithm
    public let items: [String]
    public let categories: [String]
    /// Offline metrics by model name ("popularity", "item-knn+next", "ease+next", "bought-next"; without the
    /// blend "item-knn", "ease"), from the evaluation before publishing.
    public let metrics: [String: EvaluationRow]
    /// The serving algorithm's name as its metrics go by: `ease+next` when bought-next is blended in.
    public var servingName: String { scorer.name(algorithm) }
    /// The serving algorithm's offline metrics.
    public var servingMetrics: EvaluationRow? { metrics[servingName] }
    /// How many shoppers the evaluation held an item out for.
    public let evaluatedUsers: Int
    /// Items by distinct buyers at training time, most first.
    public let bestSellers: [(item: String, buyers: Int)]
    /// Trending at training time, best first.
    public let trending: [(item: String, score: Double)]
    let scorer: Scorer
    let itemIndex: [String: Int]

    init(version: Int, trainedAt: Double, algorithm: Algorithm, items: [String], categories: [String], metrics: [String: EvaluationRow],
         evaluatedUsers: Int, bestSellers: [(item: String, buyers: Int)], trending: [(item: String, score: Double)], scorer: Scorer) {
        self.version = version
        self.trainedAt = trainedAt
        self.algorithm = algorithm
        self.items = items
        self.categories = categories
        self.metrics = metrics
        self.evaluatedUsers = evaluatedUsers
        self.bestSellers = bestSellers
        self.trending = trending
        self.scorer = scorer
        var index: [String: Int] = [:]
        for (position, item) in items.enumerated() { index[item] = position }
        itemIndex = index
    }

    /// Items most often bought together with `item`, best first; empty for an unknown item.
    public func similar(to item: String, limit: Int = 10) -> [Recommendation] {
        guard let index = itemIndex[item] else { return [] }
        let neighbours = scorer.neighbours
        return (neighbours.start[index]..<min(neighbours.start[index + 1], neighbours.start[index] + max(0, limit))).map {
            Recommendation(item: items[Int(neighbours.items[$0])], score: Double(neighbours.scores[$0]), reason: .boughtTogether(with: item))
        }
    }

    /// The top `limit` items for a shopper with `history` (item and weight: a purchase 1, a cart add 0.3, a
    /// view 0.1) and `purchases` (item and when first bought, seconds since 1970: what bought-next follows),
    /// never one in `excluding` (what they bought). With no known history: trending items, then best sellers
    /// — in the shopper's favourite category first when there is one.
    public func recommend(history: [(item: String, weight: Double)], purchases: [(item: String, at: Double)] = [], excluding: Set<String>,
                          limit: Int = 10) -> [Recommendation] {
        let known = history.compactMap { entry in itemIndex[entry.item].map { (item: $0, weight: Float(entry.weight)) } }
        let excluded = excluding.compactMap { itemIndex[$0] }
        let favourite = favouriteCategory(known)
        guard !known.isEmpty else { return coldStart(excluding: Set(excluded), limit: limit, favourite: favourite) }
        let recent = scorer.boughtNext.recentWeights(purchases.compactMap { entry in itemIndex[entry.item].map { (item: $0, at: entry.at) } })
        // With bought-next's share of each score, to say which signal proposed the item.
        let (scores, next, nextScale) = scorer.scoresWithNextShare(algorithm, shopper: Scorer.Shopper(history: known, recent: recent))
        return scorer.top(limit, scores: scores, excluding: excluded).map { item, score in
            if score > 0, !next.isEmpty, next[item] * nextScale * 2 >= score, let after = strongestPredecessor(of: item, recent: recent) {
                return Recommendation(item: items[item], score: Double(score), reason: .boughtAfter(items[after]))
            }
            guard score > 0, let because = strongestReason(for: item, history: known) else {
                return Recommendation(item: items[item], score: Double(score), reason: .popular(category: favourite))
            }
            return Recommendation(item: items[item], score: Double(score), reason: .boughtTogether(with: items[because]))
        }
    }

    /// The latest purchase whose "bought next" link to `item` contributes most.
    private func strongestPredecessor(of item: Int, recent: [(item: Int, weight: Float)]) -> Int? {
        var best: (item: Int, contribution: Float)?
        for (own, weight) in recent {
            guard let strength = scorer.next.similarity(own, item) else { continue }
            if weight * strength > (best?.contribution ?? 0) { best = (own, weight * strength) }
        }
        return best?.item
    }

    /// The history item whose "bought together" link to `item` contributes most.
    private func strongestReason(for item: Int, history: [(item: Int, weight: Float)]) -> Int? {
        var best: (item: Int, contribution: Float)?
        for (own, weight) in history {
            guard let similarity = scorer.neighbours.similarity(own, item) else { continue }
            let contribution = weight * similarity
            if contribution > (best?.contribution ?? 0) { best = (own, contribution) }
        }
        return best?.item
    }

    private func favouriteCategory(_ history: [(item: Int, weight: Float)]) -> String? {
        guard !categories.isEmpty else { return nil }
        var weights: [String: Float] = [:]
        for (item, weight) in history where item < categories.count && !categories[item].isEmpty { weights[categories[item], default: 0] += weight }
        return weights.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key
    }

    private func coldStart(excluding: Set<Int>, limit: Int, favourite: String?) -> [Recommendation] {
        var chosen: [Recommendation] = []
        var taken = excluding
        for (item, score) in trending.prefix(max(0, limit / 3)) {
            guard let index = itemIndex[item], !taken.contains(index) else { continue }
            taken.insert(index)
            chosen.append(Recommendation(item: item, score: score, reason: .trending))
        }
        for (item, buyers) in bestSellers where chosen.count < limit {
            guard let index = itemIndex[item], !taken.contains(index) else { continue }
            taken.insert(index)
            chosen.append(Recommendation(item: item, score: Double(buyers), reason: .popular(category: categories.isEmpty ? nil : categories[index])))
        }
        return chosen
    }
}
