import Foundation
import Testing
@testable import Recommender

/// Issue 22's "tuning without peeking": settings are chosen on a validation split carved from the training
/// data (each user's second-to-last new purchase), never on the test items.
@Suite struct TuningTests {
    /// Shoppers with a taste (one of ten groups of 30 items), buying mostly within it; a seed reproduces it.
    static func history(seed: UInt64) -> [Interaction] {
        var random = SplitMix64(seed: seed)
        var interactions: [Interaction] = []
        for user in 0..<600 {
            let taste = Int.random(in: 0..<10, using: &random)
            var time = 1_700_000_000.0 + Double.random(in: 0..<2_592_000, using: &random)
            for _ in 0..<Int.random(in: 3...10, using: &random) {
                let item = Double.random(in: 0..<1, using: &random) < 0.7 ? taste * 30 + Int(30 * pow(Double.random(in: 0..<1, using: &random), 2))
                                                                         : Int.random(in: 0..<300, using: &random)
                interactions.append(Interaction(user: "u\(user)", item: "i\(item)", timestamp: time))
                time += Double.random(in: 1...86_400, using: &random)
            }
        }
        return interactions
    }

    @Test func theValidationSplitIsCarvedFromTheTrainingDataAlone() {
        let split = EvaluationSplit.leaveLastOut(Self.history(seed: 3))
        let validation = split.validation
        #expect(validation.name == "validation of leave-last-out")
        for (user, items) in validation.test {
            // The held-out validation item was in the training data, and is not the test item.
            #expect(split.train.contains { $0.user == user && items.contains($0.item) })
            #expect(split.test[user].map { $0.isDisjoint(with: items) } ?? true)
        }
        #expect(validation.train.count < split.train.count)
    }

    @Test func tuningNeverLooksAtTheTestItemsAndDoesNotDoWorseOnValidation() {
        let seed = UInt64.random(in: 1...UInt64.max)
        print("tuning: seed \(seed)")
        let split = EvaluationSplit.leaveLastOut(Self.history(seed: seed))
        var start = TrainingOptions()
        start.threads = 2
        let tuned = Tuning.tune(.itemKNN, on: split, start: start, passes: 1)
        // The same training data with other test items (every user's held-out item swapped for a random one)
        // must choose the same settings: the test part is not read.
        var random = SplitMix64(seed: seed ^ 0xDEAD_BEEF)
        let scrambled = EvaluationSplit(name: split.name, train: split.train,
                                        test: split.test.mapValues { _ in ["i\(Int.random(in: 0..<300, using: &random))"] })
        let again = Tuning.tune(.itemKNN, on: scrambled, start: start, passes: 1)
        #expect(again.trials == tuned.trials, "seed \(seed)")
        let validation = split.validation
        let before = Evaluation.run(validation, algorithms: [.itemKNN], options: start).rows[0].ndcg10
        let after = Evaluation.run(validation, algorithms: [.itemKNN], options: tuned.options).rows[0].ndcg10
        #expect(after >= before, "seed \(seed)")
        #expect(Set(tuned.trials.map(\.setting)) == ["decay", "binary", "shrinkage", "neighbours"])
        #expect(Tuning.tune(.ease, on: split, start: start, passes: 1).trials.contains { $0.setting == "lambda" && $0.value == "1600" })
    }
}
