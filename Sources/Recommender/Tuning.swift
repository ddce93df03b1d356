import Foundation

extension EvaluationSplit {
    /// The split settings are chosen on, carved from this split's training part by the same rule — for
    /// leave-last-out, each user's last newly bought item there, their second-to-last overall — so the test
    /// items are never looked at.
    public var validation: EvaluationSplit {
        let carved = name == "temporal" ? EvaluationSplit.temporal(train) : EvaluationSplit.leaveLastOut(train)
        return EvaluationSplit(name: "validation of \(name)", train: carved.train, test: carved.test)
    }
}

/// Chooses a model's settings by NDCG@10 on a split's validation part: one setting at a time, each tried at
/// a few values with the others held (coordinate ascent), twice over. Only the training part is read.
public enum Tuning {
    /// One value tried, and the validation NDCG@10 it gave.
    public struct Trial: Sendable, Equatable {
        public var setting: String
        public var value: String
        public var ndcg10: Double
    }

    /// A setting and the values it is tried at.
    struct Axis {
        let name: String
        let values: [String]
        let apply: @Sendable (inout TrainingOptions, String) -> Void
    }

    static let decay = Axis(name: "decay", values: ["none", "30", "60", "120", "240"]) { options, value in
        options.decay = value == "none" ? .none : RecencyDecay(halfLifeDays: Double(value)!)
    }
    static let binary = Axis(name: "binary", values: ["false", "true"]) { options, value in options.binary = value == "true" }
    static let shrinkage = Axis(name: "shrinkage", values: ["0", "5", "10", "25", "50"]) { options, value in
        options.similarity.shrinkage = Float(value)!
    }
    static let neighbours = Axis(name: "neighbours", values: ["25", "50", "100", "200"]) { options, value in
        options.similarity.neighbourCount = Int(value)!
    }
    static let lambda = Axis(name: "lambda", values: ["25", "50", "100", "200", "400", "800", "1600"]) { options, value in
        options.ease.lambda = Double(value)!
    }

    static let nextWeight = Axis(name: "next-weight", values: ["0", "0.2", "0.35", "0.5", "0.65", "0.8", "1"]) { options, value in
        options.boughtNext.weight = Float(value)!
    }
    static let nextWindow = Axis(name: "next-window", values: ["1", "3", "5", "10", "20"]) { options, value in
        options.boughtNext.window = Int(value)!
    }
    static let nextStepDecay = Axis(name: "next-step-decay", values: ["0.5", "0.7", "0.85", "1"]) { options, value in
        options.boughtNext.stepDecay = Float(value)!
    }
    static let nextNormalisation = Axis(name: "next-normalisation", values: ["0", "0.5", "1"]) { options, value in
        options.boughtNext.normalisation = Float(value)!
    }
    static let nextRecent = Axis(name: "next-recent", values: ["1", "3", "5", "10", "20"]) { options, value in
        options.boughtNext.recentCount = Int(value)!
    }
    static let nextRecentDecay = Axis(name: "next-recent-decay", values: ["0.5", "0.7", "0.85", "1"]) { options, value in
        options.boughtNext.recentDecay = Float(value)!
    }

    /// Bought-next's own settings, tried once it has a weight.
    static let nextAxes = [nextWindow, nextStepDecay, nextNormalisation, nextRecent, nextRecentDecay]

    /// The settings that matter to `algorithm`; bought-next's blend with item-kNN or EASE when `blended`.
    static func axes(_ algorithm: Algorithm, blended: Bool) -> [Axis] {
        switch algorithm {
        case .popularity: []
        case .itemKNN: [decay, binary, shrinkage, neighbours] + (blended ? [nextWeight] + nextAxes : [])
        case .ease: [decay, binary, lambda] + (blended ? [nextWeight] + nextAxes : [])
        case .boughtNext: nextAxes
        }
    }

    /// `start` changed where that scored better on `split.validation`, and every trial in the order made.
    /// With `blended`, item-kNN and EASE also try bought-next's weight and settings (from `start`'s, or the
    /// shop's when `start` has it off); bought-next alone is tuned at weight 1.
    public static func tune(_ algorithm: Algorithm, on split: EvaluationSplit, start: TrainingOptions = TrainingOptions(),
                            blended: Bool = false, passes: Int = 2) -> (options: TrainingOptions, trials: [Trial]) {
        let validation = split.validation
        var start = start
        if algorithm == .boughtNext { start.boughtNext.weight = 1 }
        // The other models trained for the last base settings, kept while only bought-next's change.
        var trained: (key: String, matrix: InteractionMatrix, scorer: Scorer)?
        func score(_ options: TrainingOptions) -> Double {
            let key = baseKey(options)
            let matrix: InteractionMatrix, scorer: Scorer
            if let trained, trained.key == key {
                matrix = trained.matrix
                scorer = Trainer(options: options).replacingNext(in: trained.scorer, matrix)
            } else {
                matrix = InteractionMatrix(validation.train, decay: options.decay, binary: options.binary)
                scorer = Trainer(options: options).scorer(matrix)
            }
            trained = (key, matrix, scorer)
            return Evaluation.run(validation, algorithms: [algorithm], matrix: matrix, scorer: scorer, threads: options.threads).rows.first?.ndcg10 ?? 0
        }
        var best = start, bestScore = score(start), trials: [Trial] = []
        for _ in 0..<max(1, passes) {
            var improved = false
            for axis in axes(algorithm, blended: blended) {
                // Bought-next's own settings mean nothing while it weighs nothing.
                if algorithm != .boughtNext, nextAxes.contains(where: { $0.name == axis.name }), best.boughtNext.weight == 0 { continue }
                for value in axis.values {
                    var candidate = best
                    axis.apply(&candidate, value)
                    let result = score(candidate)
                    trials.append(Trial(setting: axis.name, value: value, ndcg10: result))
                    // Strictly better only: between equals the setting already held stays.
                    if result > bestScore {
                        best = candidate
                        bestScore = result
                        improved = true
                    }
                }
            }
            if !improved { break }
        }
        return (best, trials)
    }

    /// Everything but bought-next's settings: while it is unchanged, the other models need no retraining.
    static func baseKey(_ options: TrainingOptions) -> String {
        "\(options.decay.halfLifeSeconds) \(options.binary) \(options.similarity.neighbourCount) \(options.similarity.shrinkage) "
            + "\(options.ease.lambda) \(options.ease.maximumItems)"
    }
}
