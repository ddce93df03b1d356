import Foundation
import Testing
@testable import Recommender

@Suite struct BoughtNextTests {
    /// u1 buys a, b, c in turn; u2 a then b; u3 b and c in the same second.
    static let purchases = [Interaction(user: "u1", item: "a", timestamp: 1), Interaction(user: "u1", item: "b", timestamp: 2),
                            Interaction(user: "u1", item: "c", timestamp: 3), Interaction(user: "u2", item: "a", timestamp: 1),
                            Interaction(user: "u2", item: "b", timestamp: 2), Interaction(user: "u3", item: "b", timestamp: 5),
                            Interaction(user: "u3", item: "c", timestamp: 5)]

    func rows(normalisation: Float) -> [String: [String: Float]] {
        let matrix = InteractionMatrix(Self.purchases)
        let next = BoughtNext(weight: 1, window: 2, stepDecay: 0.5, normalisation: normalisation).transitions(matrix)
        var rows: [String: [String: Float]] = [:]
        for (index, item) in matrix.items.enumerated() {
            rows[item] = Dictionary(uniqueKeysWithValues: next.of(index).map { (matrix.items[$0.item], $0.score) })
        }
        return rows
    }

    @Test func eachPurchaseLeadsToTheNextOnesAndASharedSecondLeadsBothWaysAtHalf() {
        let counts = rows(normalisation: 0)
        #expect(counts["a"] == ["b": 2, "c": 0.5], "b right after a twice; c two steps after a once, at 0.5")
        #expect(counts["b"] == ["c": 1.5], "after b: c once in turn (u1), and half of u3's same-second pair")
        #expect(counts["c"] == ["b": 0.5], "the other half of u3's pair")
        let shares = rows(normalisation: 1)
        #expect(shares["a"] == ["b": 0.8, "c": 0.2], "each row over its total")
    }

    @Test func theLatestPurchasesWeighMostAndASharedSecondSharesAWeight() {
        let next = BoughtNext(weight: 1, recentCount: 3, recentDecay: 0.5)
        let recent = next.recentWeights([(item: 4, at: 2), (item: 1, at: 1), (item: 9, at: 3), (item: 2, at: 2)])
        #expect(recent.map(\.item) == [9, 4, 2], "newest first, same second by index descending, cut at three")
        #expect(recent.map(\.weight) == [1, 0.5, 0.5])
        #expect(BoughtNext(weight: 1, recentCount: 0).recentWeights([(1, 1)]).isEmpty)
    }

    @Test func withNoWeightNothingIsTrainedAndTheModelsAreTheTextbookOnes() {
        let matrix = InteractionMatrix(Self.purchases)
        #expect(BoughtNext.off.transitions(matrix).items.isEmpty)
        var options = TrainingOptions()
        options.boughtNext = .off
        let split = EvaluationSplit.leaveLastOut(Self.purchases)
        #expect(Evaluation.run(split, options: options).rows.map(\.model) == ["popularity", "item-knn", "ease"])
        options.boughtNext.weight = 0.5
        #expect(Evaluation.run(split, options: options).rows.map(\.model) == ["popularity", "item-knn+next", "ease+next", "bought-next"])
    }

    /// Everyone buys a kettle, then descaler; tea and cups go together but in no order. A shopper who just
    /// bought a kettle is offered descaler first, "often bought after" the kettle.
    @Test func aShopperIsOfferedWhatOthersBoughtNextAndTheReasonSaysSo() {
        var history: [Interaction] = []
        for user in 0..<40 {
            let start = Double(user * 100)
            history.append(Interaction(user: "u\(user)", item: "kettle", timestamp: start))
            history.append(Interaction(user: "u\(user)", item: "descaler", timestamp: start + 10))
            if user % 2 == 0 {
                history.append(Interaction(user: "u\(user)", item: "tea", timestamp: start - 5))
                history.append(Interaction(user: "u\(user)", item: "cups", timestamp: start - 5))
            }
        }
        let catalogue = ["kettle", "descaler", "tea", "cups"].map { (id: $0, category: "kitchen") }
        let model = ModelBuilder().build(interactions: history, catalogue: catalogue, version: 1, now: 5_000)
        let proposed = model.recommend(history: [("tea", 1), ("kettle", 1)], purchases: [("tea", 100), ("kettle", 200)],
                                       excluding: ["tea", "kettle"], limit: 2)
        #expect(proposed.first?.item == "descaler")
        #expect(proposed.first?.reason == .boughtAfter("kettle"))
        #expect(proposed.first?.reason.text { $0 == "kettle" ? "Kettle" : nil } == "often bought after Kettle")
    }
}
