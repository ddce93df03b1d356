/// The ways a user's scores over the catalogue are computed.
public enum Algorithm: String, Sendable, CaseIterable, Codable {
    /// Items by how many distinct users bought them: the baseline every model must beat.
    case popularity
    /// Σ over the user's items of weight × "bought together" similarity (top-100 neighbours).
    case itemKNN = "item-knn"
    /// The EASE closed-form item × item model.
    case ease
}

/// A trained scorer over one catalogue: what each algorithm needs, and the scoring itself.
struct Scorer: Sendable {
    let itemCount: Int
    /// Distinct buyers per item, for the popularity baseline and for tie-breaking.
    let popularity: [Float]
    let neighbours: Neighbours
    let ease: DenseWeights?

    /// Scores of every item for a user with `history` (item index, weight), higher is better.
    func scores(_ algorithm: Algorithm, history: [(item: Int, weight: Float)]) -> [Float] {
        switch algorithm {
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
