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

    /// The settings that matter to `algorithm`.
    static func axes(_ algorithm: Algorithm) -> [Axis] {
        switch algorithm {
        case .popularity: []
        case .itemKNN: [decay, binary, shrinkage, neighbours]
        case .ease: [decay, binary, lambda]
        }
    }

    /// `start` changed where that scored better on `split.validation`, and every trial in the order made.
    public static func tune(_ algorithm: Algorithm, on split: EvaluationSplit, start: TrainingOptions = TrainingOptions(),
                            passes: Int = 2) -> (options: TrainingOptions, trials: [Trial]) {
        let validation = split.validation
        func score(_ options: TrainingOptions) -> Double {
            Evaluation.run(validation, algorithms: [algorithm], options: options).rows.first?.ndcg10 ?? 0
        }
        var best = start, bestScore = score(start), trials: [Trial] = []
        for _ in 0..<max(1, passes) {
            var improved = false
            for axis in axes(algorithm) {
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
}
