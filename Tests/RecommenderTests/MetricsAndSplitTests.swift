import Foundation
import Testing
@testable import Recommender

@Suite struct MetricsTests {
    @Test func oneHeldOutItemByHand() {
        let ranked = [5, 3, 9, 1]
        #expect(Metrics.hitRate(ranked, relevant: [3], k: 10) == 1)
        #expect(Metrics.hitRate(ranked, relevant: [3], k: 1) == 0)
        // Rank 2: gain 1/log2(3); the ideal is 1/log2(2) = 1.
        #expect(abs(Metrics.ndcg(ranked, relevant: [3], k: 10) - 0.630_93) < 1e-5)
        #expect(Metrics.recall(ranked, relevant: [3], k: 20) == 1)
        #expect(Metrics.ndcg(ranked, relevant: [7], k: 10) == 0)
    }

    @Test func twoHeldOutItemsByHand() {
        let ranked = [5, 3, 9, 1]
        // Found 3 at rank 2 and 1 at rank 4: (1/log2 3 + 1/log2 5) / (1 + 1/log2 3).
        let expected = (1 / log2(3.0) + 1 / log2(5.0)) / (1 + 1 / log2(3.0))
        #expect(abs(Metrics.ndcg(ranked, relevant: [3, 1], k: 10) - expected) < 1e-12)
        #expect(Metrics.recall(ranked, relevant: [3, 7], k: 20) == 0.5)
        #expect(Metrics.ndcg(ranked, relevant: [3, 1], k: 3) == (1 / log2(3.0)) / (1 + 1 / log2(3.0)))
    }
}

@Suite struct SplitTests {
    let history = [
        Interaction(user: "u1", item: "a", timestamp: 1), Interaction(user: "u1", item: "b", timestamp: 2),
        Interaction(user: "u1", item: "c", timestamp: 1.5, kind: .view), Interaction(user: "u1", item: "c", timestamp: 3),
        Interaction(user: "u1", item: "a", timestamp: 4),
        Interaction(user: "u2", item: "a", timestamp: 5),
    ]

    @Test func leaveLastOutHoldsOutEachUsersLastNewItem() {
        let split = EvaluationSplit.leaveLastOut(history)
        // u1's last purchase is a again, bought first at 1: the item first bought latest is c.
        #expect(split.test == ["u1": ["c"]])
        #expect(!split.train.contains { $0.user == "u1" && $0.item == "c" }, "the view of c leaves training too")
        #expect(split.train.count == 4)
    }

    @Test func temporalTrainsOnThePastAndTestsNewItems() {
        let split = EvaluationSplit.temporal(history, trainFraction: 0.6)
        // Purchase times 1, 2, 3, 4, 5: the cutoff is the fourth, 4.
        #expect(split.train.allSatisfy { $0.timestamp < 4 })
        // u1 bought a again after the cutoff (not new); u2 had no history before it.
        #expect(split.test.isEmpty)
        let later = EvaluationSplit.temporal(history + [Interaction(user: "u1", item: "d", timestamp: 6)], trainFraction: 0.6)
        #expect(later.test == ["u1": ["d"]])
    }
}

@Suite struct InteractionCSVTests {
    @Test func rowsHeaderMillisecondsAndWeights() throws {
        let text = "user,item,timestamp,weight\nu1,p1,1700000000,2\r\nu2, p2 ,1700000000123\n\n"
        let rows = try InteractionCSV.parse(Array(text.utf8))
        #expect(rows == [Interaction(user: "u1", item: "p1", timestamp: 1_700_000_000, weight: 2),
                         Interaction(user: "u2", item: "p2", timestamp: 1_700_000_000.123)])
    }

    @Test func badLinesSayWhichAndWhy() {
        #expect(throws: InteractionCSV.ParseError.badLine(line: 2, reason: "timestamp \"yesterday\" is not a number of seconds since 1970")) {
            try InteractionCSV.parse(Array("u1,p1,1\nu1,p2,yesterday\n".utf8))
        }
        #expect(throws: InteractionCSV.ParseError.badLine(line: 1, reason: "expected 3 or 4 comma-separated columns (user,item,timestamp[,weight]), found 2")) {
            try InteractionCSV.parse(Array("u1,p1\n".utf8))
        }
        #expect(throws: InteractionCSV.ParseError.badLine(line: 1, reason: "weight \"-1\" is not a positive number")) {
            try InteractionCSV.parse(Array("u1,p1,5,-1\n".utf8))
        }
        #expect(throws: InteractionCSV.ParseError.empty) { try InteractionCSV.parse(Array("user,item,timestamp\n".utf8)) }
    }
}
