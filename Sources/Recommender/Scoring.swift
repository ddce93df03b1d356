/// The ways a user's scores over the catalogue are computed.
public enum Algorithm: String, Sendable, CaseIterable, Codable {
    /// Items by how many distinct users bought them: the baseline every model must beat.
    case popularity
    /// Σ over the user's items of weight × "bought together" similarity (top-100 neighbours).
    case itemKNN = "item-knn"
    /// The EASE closed-form item × item model.
    case ease
    /// What shoppers bought after the shopper's latest purchases, alone (`BoughtNext`).
    case boughtNext = "bought-next"

    /// Whether bought-next can be blended into it: the personal models that read the whole history.
    var blends: Bool { self == .itemKNN || self == .ease }
}

/// A trained scorer over one catalogue: what each algorithm needs, and the scoring itself.
struct Scorer: Sendable {
    let itemCount: Int
    /// Distinct buyers per item, for the popularity baseline and for tie-breaking.
    let popularity: [Float]
    let neighbours: Neighbours
    let ease: DenseWeights?
    /// Each item's "bought next" transitions, and how they blend into the personal models.
    let next: Neighbours
    let boughtNext: BoughtNext

    /// What a shopper's scores are computed from: every item with its weight, and their latest purchases
    /// with `BoughtNext.recentWeights`.
    struct Shopper {
        var history: [(item: Int, weight: Float)]
        var recent: [(item: Int, weight: Float)] = []
    }

    /// The name `algorithm`'s scores go by: `ease+next` when bought-next is blended in.
    func name(_ algorithm: Algorithm) -> String {
        algorithm.blends && boughtNext.weight > 0 ? algorithm.rawValue + "+next" : algorithm.rawValue
    }

    /// Scores of every item for `shopper` by `algorithm`, with bought-next blended in at its weight.
    func scores(_ algorithm: Algorithm, shopper: Shopper) -> [Float] {
        scoresWithNextShare(algorithm, shopper: shopper).scores
    }

    /// The scores, and bought-next's part of each (`next[i] × nextScale`; `next` is empty when bought-next
    /// plays no part): what serving needs to say which signal proposed an item, computed once.
    func scoresWithNextShare(_ algorithm: Algorithm, shopper: Shopper) -> (scores: [Float], next: [Float], nextScale: Float) {
        if algorithm == .boughtNext {
            let next = nextScores(shopper.recent)
            let best = next.max() ?? 0
            return (next, next, best > 0 ? 1 : 0)
        }
        let weight = boughtNext.weight
        guard algorithm.blends, weight > 0 else { return (scores(algorithm, history: shopper.history), [], 0) }
        var blended = scores(algorithm, history: shopper.history)
        let next = nextScores(shopper.recent)
        let baseBest = blended.max() ?? 0, nextBest = next.max() ?? 0
        let baseScale = baseBest > 0 ? (1 - weight) / baseBest : 0, nextScale = nextBest > 0 ? weight / nextBest : 0
        for item in blended.indices { blended[item] = max(blended[item], 0) * baseScale + next[item] * nextScale }
        return (blended, next, nextScale)
    }

    /// Σ over the shopper's latest purchases of weight × what followed them.
    func nextScores(_ recent: [(item: Int, weight: Float)]) -> [Float] {
        var scores = [Float](repeating: 0, count: itemCount)
        for (item, weight) in recent where item >= 0 && item + 1 < next.start.count {
            for position in next.start[item]..<next.start[item + 1] { scores[Int(next.items[position])] += weight * next.scores[position] }
        }
        return scores
    }

    /// Scores of every item for a user with `history` (item index, weight), higher is better.
    func scores(_ algorithm: Algorithm, history: [(item: Int, weight: Float)]) -> [Float] {
        switch algorithm {
        case .boughtNext:
            return [Float](repeating: 0, count: itemCount)
        case .popularity:
            return popularity
        case .itemKNN:
            var scores = [Float](repeating: 0, count: itemCount)
            for (item, weight) in history {
                let range = neighbours.start[item]..<neighbours.start[item + 1]
                for position in range { scores[Int(neighbours.items[position])] += weight * neighbours.scores[position] }
            }
            return scores
        case .ease:
            guard let ease else { return scores(.itemKNN, history: history) }
            var scores = [Float](repeating: 0, count: itemCount)
            for (item, weight) in history { ease.accumulate(row: item, weight: weight, into: &scores) }
            return scores
        }
    }

    /// The best `k` items by `scores`, leaving out `excluded` ones; items without any score are filled in by
    /// popularity so a list is never short while the catalogue has items left.
    func top(_ k: Int, scores: [Float], excluding excluded: [Int]) -> [(item: Int, score: Float)] {
        var skip = [Bool](repeating: false, count: itemCount)
        for item in excluded where item >= 0 && item < itemCount { skip[item] = true }
        var best = TopK(k)
        for (item, score) in scores.enumerated() where score > 0 && !skip[item] {
            best.offer(Int32(item), score)
        }
        var ranked = best.sorted().map { (Int($0.index), $0.score) }
        if ranked.count < k {
            for (item, _) in ranked { skip[item] = true }
            var fill = TopK(k - ranked.count)
            for (item, count) in popularity.enumerated() where !skip[item] {
                fill.offer(Int32(item), count)
            }
            ranked += fill.sorted().map { (Int($0.index), 0) }
        }
        return ranked
    }
}
