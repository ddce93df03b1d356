import Foundation
import Testing
@testable import Recommender

@Suite struct SimilarityTests {
    // a and b bought together by two people, a and c by one; b also alone.
    let baskets = [("u1", ["a", "b"]), ("u2", ["a", "b"]), ("u3", ["a", "c"]), ("u4", ["b"])]

    var matrix: InteractionMatrix {
        InteractionMatrix(baskets.flatMap { user, items in items.map { Interaction(user: user, item: $0, timestamp: 1) } })
    }

    @Test func cosineOverBuyersIsSymmetric() throws {
        var similarity = ItemSimilarity(shrinkage: 0)
        similarity.threads = 2
        let neighbours = similarity.neighbours(matrix)
        let a = try #require(matrix.index(ofItem: "a")), b = try #require(matrix.index(ofItem: "b")), c = try #require(matrix.index(ofItem: "c"))
        // co(a,b) = 2, buyers 3 and 3: 2/3. co(a,c) = 1, buyers 3 and 1: 1/√3.
        let ab = try #require(neighbours.similarity(a, b)), ac = try #require(neighbours.similarity(a, c))
        let third: Float = 1 / Float(3).squareRoot()
        #expect(abs(ab - 2.0 / 3) < 1e-6)
        #expect(abs(ac - third) < 1e-6)
        #expect(neighbours.similarity(a, b) == neighbours.similarity(b, a))
        #expect(neighbours.similarity(b, c) == nil, "never bought together")
        #expect(neighbours.of(a).map(\.item) == [b, c], "best first")
    }

    @Test func shrinkageWeighsDownPairsSeenRarely() throws {
        let neighbours = ItemSimilarity(shrinkage: 10).neighbours(matrix)
        let a = try #require(matrix.index(ofItem: "a")), b = try #require(matrix.index(ofItem: "b")), c = try #require(matrix.index(ofItem: "c"))
        let ab = try #require(neighbours.similarity(a, b)), ac = try #require(neighbours.similarity(a, c))
        let expectedAB: Float = 2.0 / 3 * 2 / 12
        let expectedAC: Float = 1 / Float(3).squareRoot() / 11
        #expect(abs(ab - expectedAB) < 1e-6)
        #expect(abs(ac - expectedAC) < 1e-6)
        #expect(neighbours.similarity(c, a) == neighbours.similarity(a, c))
    }

    @Test func neighbourListsAreCut() {
        let many = (0..<30).map { Interaction(user: "u", item: "i\($0)", timestamp: 1) }
        let neighbours = ItemSimilarity(neighbourCount: 5).neighbours(InteractionMatrix(many))
        #expect(neighbours.of(0).count == 5)
    }
}

@Suite struct EASETests {
    @Test func theInverseOfASymmetricPositiveDefiniteMatrixIsExact() {
        let n = 40
        var random = SplitMix64(seed: 9)
        var base = (0..<(n * n)).map { _ in random.unit() - 0.5 }
        // A = MᵀM + nI is symmetric positive definite.
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { a[i * n + j] = (0..<n).reduce(0) { $0 + base[$1 * n + i] * base[$1 * n + j] } + (i == j ? Double(n) : 0) } }
        base = a
        SymmetricInverse.invertInPlace(&a, n: n, threads: 2)
        for i in 0..<n {
            for j in 0..<n {
                let product = (0..<n).reduce(0) { $0 + base[i * n + $1] * a[$1 * n + j] }
                #expect(abs(product - (i == j ? 1 : 0)) < 1e-9)
            }
        }
    }

    @Test func weightsHaveAZeroDiagonalAndLinkItemsBoughtTogether() throws {
        let history = (0..<20).flatMap { user in
            [Interaction(user: "u\(user)", item: user % 2 == 0 ? "tea" : "coffee", timestamp: 1),
             Interaction(user: "u\(user)", item: user % 2 == 0 ? "kettle" : "grinder", timestamp: 2)]
        }
        let matrix = InteractionMatrix(history)
        let weights = try #require(EASE(lambda: 1).weights(matrix))
        let tea = try #require(matrix.index(ofItem: "tea")), kettle = try #require(matrix.index(ofItem: "kettle"))
        let grinder = try #require(matrix.index(ofItem: "grinder"))
        for i in 0..<4 { #expect(weights[i, i] == 0) }
        #expect(weights[tea, kettle] > 0.5)
        #expect(abs(weights[tea, grinder]) < 1e-6)
        #expect(EASE(maximumItems: 3).weights(matrix) == nil, "too many items for a dense model")
    }
}

@Suite struct TrendTests {
    @Test func bestSellersCountDistinctBuyersAllTimeAndRecently() {
        let tracker = TrendTracker(settings: .init(recentWindowSeconds: 86_400))
        for (user, item, at) in [("u1", "a", 0.0), ("u1", "a", 10), ("u2", "a", 20), ("u3", "b", 100_000), ("u4", "b", 100_100), ("u5", "b", 100_200)] {
            tracker.record(user: user, item: item, at: at, isPurchase: true)
        }
        tracker.record(user: "u6", item: "a", at: 100_300, isPurchase: false)
        #expect(tracker.topSellers(5).map(\.item) == ["b", "a"])
        #expect(tracker.topSellers(5).map(\.buyers) == [3, 2], "u1 twice is one buyer; a view is none")
        #expect(tracker.recentTopSellers(5, now: 100_300).map(\.item) == ["b"], "a's buyers were more than a day ago")
    }

    /// Rising over the last 100 s against the 400 s before (buckets of 10 s), at any moment — not only once a
    /// whole interval has passed.
    @Test func trendingRanksTheFurthestRiseAboveTheBaselineRate() {
        let tracker = TrendTracker(settings: .init(risingSeconds: 100, baselineSeconds: 400, minimumTrendingCount: 3))
        func events(_ item: String, every spacing: Double, from start: Double, to end: Double) {
            var at = start
            while at < end {
                tracker.record(user: "u\(Int(at))", item: item, at: at, isPurchase: false)
                at += spacing
            }
        }
        let now = 1_000_055.0  // 5 s into a bucket: the rising window is the 9 buckets before and this one
        let risingFrom = 1_000_050.0 - 90, baselineFrom = risingFrom - 400
        events("steady", every: 10, from: baselineFrom, to: now)           // 40 in the baseline, 10 rising: as expected
        events("rising", every: 50, from: baselineFrom, to: risingFrom)     // 8 in the baseline → 2 expected
        events("rising", every: 10, from: risingFrom, to: now)              // 10 rising
        events("new", every: 20, from: risingFrom, to: risingFrom + 80)      // 4 rising, none before
        events("falling", every: 5, from: baselineFrom, to: risingFrom)     // 80 before → 20 expected
        events("falling", every: 30, from: risingFrom, to: now)
        events("rare", every: 50, from: risingFrom, to: now)                // 2: under the minimum
        let trending = tracker.trending(10, now: now)
        // rising: (10 - 2)/√3 ≈ 4.6; new: 4/√1 = 4; steady, falling and rare are not trending.
        #expect(trending.map(\.item) == ["rising", "new"])
        #expect(abs(trending[0].score - 8 / 3.0.squareRoot()) < 1e-9)
        #expect(tracker.trending(10, now: now + 100).isEmpty, "a quiet rising window later nothing trends")
        // A burst shows at once, without waiting for an interval to complete.
        for index in 0..<6 { tracker.record(user: "b\(index)", item: "flash", at: now + 101, isPurchase: true) }
        #expect(tracker.trending(10, now: now + 102).map(\.item) == ["flash"])
    }
}

@Suite struct ServingTests {
    static let catalogue: [(id: String, category: String)] = [("tea", "drinks"), ("kettle", "kitchen"), ("cups", "kitchen"),
                                                               ("coffee", "drinks"), ("grinder", "kitchen"), ("socks", "apparel")]
    static var history: [Interaction] {
        var rows: [Interaction] = []
        for user in 0..<30 {
            let tea = user % 3 != 0
            rows.append(Interaction(user: "u\(user)", item: tea ? "tea" : "coffee", timestamp: Double(user * 10)))
            rows.append(Interaction(user: "u\(user)", item: tea ? "kettle" : "grinder", timestamp: Double(user * 10 + 1)))
            if user % 2 == 0 { rows.append(Interaction(user: "u\(user)", item: tea ? "cups" : "socks", timestamp: Double(user * 10 + 2))) }
        }
        return rows
    }

    let model = ModelBuilder().build(interactions: ServingTests.history, catalogue: ServingTests.catalogue, version: 3, now: 400)

    @Test func whatTheShopperBoughtIsNeverProposedAndReasonsNameTheLink() {
        let proposed = model.recommend(history: [("tea", 1)], excluding: ["tea"], limit: 3)
        #expect(proposed.count == 3)
        #expect(!proposed.contains { $0.item == "tea" })
        #expect(proposed.first?.item == "kettle")
        #expect(proposed.first?.reason == .boughtTogether(with: "tea"))
        #expect(proposed.first?.reason.text { $0 == "tea" ? "Sencha" : nil } == "bought together with Sencha")
        let everything = model.recommend(history: [("tea", 1)], excluding: Set(Self.catalogue.map(\.id)), limit: 3)
        #expect(everything.isEmpty, "nothing left to propose")
    }

    @Test func aShopperWithNoKnownHistoryGetsBestSellers() {
        for history in [[], [(item: "unknown-item", weight: 1.0)]] {
            let proposed = model.recommend(history: history, excluding: [], limit: 4)
            #expect(proposed.map(\.item) == ["tea", "kettle", "cups", "coffee"], "by distinct buyers (20, 20, then 10 each for cups, coffee and grinder), ties in catalogue order")
            #expect(proposed.first?.reason == .popular(category: "drinks"))
            #expect(proposed.first?.reason.text() == "popular in drinks")
        }
    }

    @Test func similarItemsAreTheNeighbours() {
        #expect(model.similar(to: "tea", limit: 2).map(\.item) == ["kettle", "cups"])
        #expect(model.similar(to: "nope").isEmpty)
        #expect(model.version == 3 && model.trainedAt == 400)
        #expect(model.metrics["popularity"] != nil)
    }
}

@Suite struct DemoHistoryTests {
    @Test func theGeneratedHistoryIsDeterministicAndPersonalModelsBeatPopularity() throws {
        let catalogue = (0..<300).map { (id: "p\($0)", category: "c\($0 % 10)") }
        var generator = DemoHistory()
        generator.users = 2000
        generator.purchases = 20_000
        let history = generator.interactions(catalogue: catalogue)
        #expect(history == generator.interactions(catalogue: catalogue))
        #expect(history.filter(\.isPurchase).count == 20_000)
        #expect(Set(history.map(\.user)).count > 1500)
        let evaluation = Evaluation.run(EvaluationSplit.leaveLastOut(history))
        let popularity = try #require(evaluation.rows.first { $0.model == "popularity" })
        for row in evaluation.rows where row.model != "popularity" {
            #expect(row.ndcg10 > popularity.ndcg10 * 1.5, "\(row.model): \(row.ndcg10) against popularity's \(popularity.ndcg10)")
        }
    }
}
