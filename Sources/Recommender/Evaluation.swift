import Foundation

/// Interactions split into what a model trains on and, per user, the items it should then find.
public struct EvaluationSplit: Sendable {
    /// `leave-last-out` or `temporal`.
    public let name: String
    public let train: [Interaction]
    /// Per evaluated user, the items held out.
    public let test: [String: Set<String>]

    /// Each user's last newly bought item is held out (users with at least two distinct purchases); every
    /// interaction of that user with that item leaves the training data.
    public static func leaveLastOut(_ interactions: [Interaction]) -> EvaluationSplit {
        var lastNewItem: [String: (item: String, at: Double)] = [:]
        var firstPurchase: [String: [String: Double]] = [:]
        for interaction in interactions where interaction.isPurchase {
            let previous = firstPurchase[interaction.user]?[interaction.item]
            if previous == nil || interaction.timestamp < previous! { firstPurchase[interaction.user, default: [:]][interaction.item] = interaction.timestamp }
        }
        for (user, items) in firstPurchase where items.count >= 2 {
            // The item first bought latest; ties go to the larger identifier so the split is deterministic.
            let last = items.max { ($0.value, $0.key) < ($1.value, $1.key) }!
            lastNewItem[user] = (last.key, last.value)
        }
        let train = interactions.filter { lastNewItem[$0.user]?.item != $0.item }
        return EvaluationSplit(name: "leave-last-out", train: train, test: lastNewItem.mapValues { [$0.item] })
    }

    /// Everything before the moment `trainFraction` of the purchases had happened trains; each user's items
    /// first bought after it, that they had not bought before, are held out.
    public static func temporal(_ interactions: [Interaction], trainFraction: Double = 0.8) -> EvaluationSplit {
        let times = interactions.filter(\.isPurchase).map(\.timestamp).sorted()
        guard !times.isEmpty else { return EvaluationSplit(name: "temporal", train: interactions, test: [:]) }
        let cutoff = times[min(times.count - 1, Int(Double(times.count) * trainFraction))]
        let train = interactions.filter { $0.timestamp < cutoff }
        var known: [String: Set<String>] = [:]
        for interaction in train { known[interaction.user, default: []].insert(interaction.item) }
        var test: [String: Set<String>] = [:]
        for interaction in interactions where interaction.timestamp >= cutoff && interaction.isPurchase {
            guard let seen = known[interaction.user], !seen.contains(interaction.item) else { continue }
            test[interaction.user, default: []].insert(interaction.item)
        }
        return EvaluationSplit(name: "temporal", train: train, test: test)
    }
}

/// Ranking quality of one model on one split, ranking the full catalogue (no sampled negatives).
public struct EvaluationRow: Sendable, Equatable {
    public var model: String
    public var hitRate10: Double
    public var ndcg10: Double
    public var recall20: Double
    public var coverage10: Double
}

/// Offline evaluation: train on a split's training part, rank every catalogue item for each test user
/// (leaving out what they already had), score the held-out items.
public struct Evaluation: Sendable {
    public let split: String
    public let users: Int
    public let rows: [EvaluationRow]

    public static func run(_ split: EvaluationSplit, algorithms: [Algorithm] = Algorithm.allCases, options: TrainingOptions = TrainingOptions()) -> Evaluation {
        let matrix = InteractionMatrix(split.train, decay: options.decay, binary: options.binary)
        return run(split, algorithms: algorithms, matrix: matrix, scorer: Trainer(options: options).scorer(matrix), threads: options.threads)
    }

    /// The evaluation of models already trained on `split.train` as `matrix`. Bought-next alone is left out
    /// when its weight is 0 (it is not trained then); item-kNN and EASE are named `…+next` when it is blended.
    static func run(_ split: EvaluationSplit, algorithms: [Algorithm], matrix: InteractionMatrix, scorer: Scorer, threads: Int) -> Evaluation {
        let users = split.test.keys.sorted().compactMap { user -> (Int, [Int])? in
            guard let index = matrix.index(ofUser: user) else { return nil }
            return (index, split.test[user]!.map { matrix.index(ofItem: $0) ?? -1 })
        }
        var rows: [EvaluationRow] = []
        for algorithm in algorithms where (algorithm != .ease || scorer.ease != nil) && (algorithm != .boughtNext || scorer.boughtNext.weight > 0) {
            let perThread = ResultSlots<(hits: Double, ndcg: Double, recall: Double, shown: Set<Int>)>(count: threads)
            parallelRanges(users.count, threads: threads) { part, range in
                var hits = 0.0, ndcg = 0.0, recall = 0.0
                var shown = Set<Int>()
                for (user, relevant) in users[range] {
                    let shopper = Scorer.Shopper(history: matrix.weightedHistory(ofUser: user),
                                                 recent: scorer.boughtNext.recentWeights(matrix.purchases(ofUser: user)))
                    let ranked = scorer.top(20, scores: scorer.scores(algorithm, shopper: shopper), excluding: shopper.history.map(\.item)).map(\.item)
                    let wanted = Set(relevant)
                    hits += Metrics.hitRate(ranked, relevant: wanted, k: 10)
                    ndcg += Metrics.ndcg(ranked, relevant: wanted, k: 10)
                    recall += Metrics.recall(ranked, relevant: wanted, k: 20)
                    shown.formUnion(ranked.prefix(10))
                }
                perThread.set(part, (hits, ndcg, recall, shown))
            }
            let parts = perThread.values
            let count = Double(max(users.count, 1))
            let shown = parts.reduce(into: Set<Int>()) { $0.formUnion($1.shown) }
            rows.append(EvaluationRow(model: scorer.name(algorithm), hitRate10: parts.reduce(0) { $0 + $1.hits } / count,
                                      ndcg10: parts.reduce(0) { $0 + $1.ndcg } / count, recall20: parts.reduce(0) { $0 + $1.recall } / count,
                                      coverage10: Double(shown.count) / Double(max(matrix.itemCount, 1))))
        }
        return Evaluation(split: split.name, users: users.count, rows: rows)
    }
}

/// The ranking metrics, for one user's ranked list and held-out items.
public enum Metrics {
    /// 1 if any of the first `k` is relevant.
    public static func hitRate(_ ranked: [Int], relevant: Set<Int>, k: Int) -> Double {
        ranked.prefix(k).contains { relevant.contains($0) } ? 1 : 0
    }

    /// Discounted gain of the relevant items in the first `k` (1 / log2(rank + 1), rank from 1) over the best
    /// possible for that many relevant items.
    public static func ndcg(_ ranked: [Int], relevant: Set<Int>, k: Int) -> Double {
        guard !relevant.isEmpty else { return 0 }
        var gain = 0.0
        for (position, item) in ranked.prefix(k).enumerated() where relevant.contains(item) { gain += 1 / log2(Double(position) + 2) }
        let ideal = (0..<min(k, relevant.count)).reduce(0.0) { $0 + 1 / log2(Double($1) + 2) }
        return gain / ideal
    }

    /// The share of the relevant items found in the first `k`.
    public static func recall(_ ranked: [Int], relevant: Set<Int>, k: Int) -> Double {
        guard !relevant.isEmpty else { return 0 }
        return Double(ranked.prefix(k).filter { relevant.contains($0) }.count) / Double(relevant.count)
    }
}
