import Foundation

/// Each item's most similar items, best first, as flat arrays: item `i`'s neighbours are
/// `start[i]..<start[i + 1]` of `items` / `scores`.
public struct Neighbours: Sendable, Equatable {
    let start: [Int]
    let items: [Int32]
    let scores: [Float]

    /// Item `item`'s neighbours as (item index, similarity), best first.
    public func of(_ item: Int) -> [(item: Int, score: Float)] {
        guard item >= 0, item + 1 < start.count else { return [] }
        return (start[item]..<start[item + 1]).map { (Int(items[$0]), scores[$0]) }
    }

    /// The similarity of `b` to `a`, if `b` is among `a`'s neighbours.
    public func similarity(_ a: Int, _ b: Int) -> Float? {
        guard a >= 0, a + 1 < start.count else { return nil }
        return (start[a]..<start[a + 1]).first { items[$0] == Int32(b) }.map { scores[$0] }
    }

    var itemCount: Int { start.count - 1 }
}

/// "Bought together" item-to-item similarity (Linden, Smith and York's item-to-item collaborative
/// filtering): cosine over who bought what — co-buyers / √(buyers of a · buyers of b) — shrunk by
/// co / (co + shrinkage) so a pair seen together once or twice does not outrank a well-supported one.
/// Symmetric; each item keeps its `neighbourCount` best. Computed from each item's buyers' baskets, items
/// split across the cores.
public struct ItemSimilarity: Sendable {
    public var neighbourCount = 100
    public var shrinkage: Float = 10
    /// Users with more distinct purchases than this are left out of co-occurrence counting (bots and
    /// resellers, whose baskets say little about taste and cost quadratic time).
    public var maximumBasket = 2000
    public var threads = max(1, ProcessInfo.processInfo.activeProcessorCount)

    public init(neighbourCount: Int = 100, shrinkage: Float = 10) {
        self.neighbourCount = neighbourCount
        self.shrinkage = shrinkage
    }

    public func neighbours(_ matrix: InteractionMatrix) -> Neighbours {
        let itemCount = matrix.itemCount
        // Each user's bought items, skipping oversized baskets.
        let (basketStart, basketItems) = baskets(matrix)
        let buyerCounts = (0..<itemCount).map { Float(matrix.buyerCount($0)) }
        let chunks = max(1, min(threads * 4, itemCount))
        let results = ResultSlots<[(Int32, [(index: Int32, score: Float)])]>(count: chunks)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            var counts = [Float](repeating: 0, count: itemCount)
            var touched: [Int32] = []
            var rows: [(Int32, [(index: Int32, score: Float)])] = []
            for item in stride(from: chunk, to: itemCount, by: chunks) {
                for position in matrix.buyerStart[item]..<matrix.buyerStart[item + 1] {
                    let user = Int(matrix.buyers[position])
                    for other in basketItems[basketStart[user]..<basketStart[user + 1]] where Int(other) != item {
                        if counts[Int(other)] == 0 { touched.append(other) }
                        counts[Int(other)] += 1
                    }
                }
                var best = TopK(neighbourCount)
                let own = buyerCounts[item]
                for other in touched {
                    let co = counts[Int(other)]
                    counts[Int(other)] = 0
                    let score = co / (own * buyerCounts[Int(other)]).squareRoot() * (co / (co + shrinkage))
                    best.offer(other, score)
                }
                touched.removeAll(keepingCapacity: true)
                rows.append((Int32(item), best.sorted()))
            }
            results.set(chunk, rows)
        }
        var perItem = [[(index: Int32, score: Float)]](repeating: [], count: itemCount)
        for rows in results.values { for (item, row) in rows { perItem[Int(item)] = row } }
        var start = [0]
        var items: [Int32] = [], scores: [Float] = []
        for row in perItem {
            items.append(contentsOf: row.map(\.index))
            scores.append(contentsOf: row.map(\.score))
            start.append(items.count)
        }
        return Neighbours(start: start, items: items, scores: scores)
    }

    /// Each user's bought items as flat arrays, oversized baskets left empty.
    private func baskets(_ matrix: InteractionMatrix) -> (start: [Int], items: [Int32]) {
        var start = [0]
        var items: [Int32] = []
        for user in 0..<matrix.userCount {
            let range = matrix.userStart[user]..<matrix.userStart[user + 1]
            let bought = range.filter { matrix.entryBought[$0] }
            if bought.count <= maximumBasket { items.append(contentsOf: bought.map { matrix.entryItems[$0] }) }
            start.append(items.count)
        }
        return (start, items)
    }
}
