import Foundation

/// "Bought next": what shoppers buy after an item, the purchase-trend signal the seed asks for. Each
/// shopper's purchases in time order lead from every item to the `window` purchases after it, the d-th
/// weighing `stepDecay`^(d − 1); two items first bought in the same second lead to each other at half that,
/// because which came first is unknown. An item's row is divided by its total to the power `normalisation`
/// (0: raw counts, 1: the share of what followed it) and keeps its `keep` strongest. A shopper's scores sum
/// the rows of their `recentCount` latest purchases, the r-th latest weighing `recentDecay`^r.
///
/// Blended into item-kNN or EASE at `weight` (0: not at all, 1: alone): each part is scaled by its best
/// score for the shopper first, so the weight means the same whatever the models' scales.
public struct BoughtNext: Sendable, Equatable {
    public var weight: Float
    public var window: Int
    public var stepDecay: Float
    public var normalisation: Float
    public var recentCount: Int
    public var recentDecay: Float
    public var keep = 200

    /// The shop's settings, chosen on validation splits (the demo history's and MovieLens 100k's
    /// second-to-last purchases), never on test items; `rec-eval --tune` finds better ones per dataset
    /// (README, *The recommender*).
    public init(weight: Float = 0.5, window: Int = 5, stepDecay: Float = 0.7, normalisation: Float = 0.5, recentCount: Int = 5,
                recentDecay: Float = 0.7) {
        self.weight = weight
        self.window = window
        self.stepDecay = stepDecay
        self.normalisation = normalisation
        self.recentCount = recentCount
        self.recentDecay = recentDecay
    }

    /// Not blended at all: the textbook models.
    public static let off = BoughtNext(weight: 0)

    /// The most later purchases one purchase leads to, and the most latest purchases a shopper's scores
    /// read: bounds on the work per purchase whatever a setting asks.
    public static let maximumWindow = 50

    /// The transitions from `matrix`'s purchases: item `i`'s row holds the items bought after it, strongest
    /// first. Empty rows when the weight is 0 (nothing would read them). Every shopper's purchases are put in
    /// time order once; the links are counted per source item, then written straight into their rows (no
    /// sort), and the rows are summed and cut on both cores: about 0.16 s of the 0.65 s that training on 1M
    /// purchases takes (`bench recommender`; sorting the links instead took it to 0.9 s).
    func transitions(_ matrix: InteractionMatrix) -> Neighbours {
        let itemCount = matrix.itemCount
        guard weight > 0, itemCount > 0 else { return Neighbours(start: [Int](repeating: 0, count: itemCount + 1), items: [], scores: []) }
        let window = min(max(1, self.window), Self.maximumWindow)
        var sequenceStart = [0], sequence: [(item: Int, at: Double)] = []
        sequence.reserveCapacity(matrix.entryCount)
        for user in 0..<matrix.userCount {
            sequence += Self.inTimeOrder(matrix.purchases(ofUser: user))
            sequenceStart.append(sequence.count)
        }
        // Each link from → to with its amount, visited twice: once to count each row's links, once to place them.
        func eachLink(_ visit: (_ from: Int, _ to: Int, _ amount: Float) -> Void) {
            for user in 0..<(sequenceStart.count - 1) {
                let end = sequenceStart[user + 1]
                for position in sequenceStart[user]..<end {
                    let earlier = sequence[position]
                    var step: Float = 1
                    for later in sequence[(position + 1)..<min(end, position + 1 + window)] {
                        if later.at > earlier.at {
                            visit(earlier.item, later.item, step)
                        } else {
                            visit(earlier.item, later.item, step / 2)
                            visit(later.item, earlier.item, step / 2)
                        }
                        step *= stepDecay
                    }
                }
            }
        }
        var linkStart = [Int](repeating: 0, count: itemCount + 1)
        eachLink { from, _, _ in linkStart[from + 1] += 1 }
        for item in 0..<itemCount { linkStart[item + 1] += linkStart[item] }
        var targets = [Int32](repeating: 0, count: linkStart[itemCount]), amounts = [Float](repeating: 0, count: linkStart[itemCount])
        var fill = linkStart
        eachLink { from, to, amount in
            targets[fill[from]] = Int32(to)
            amounts[fill[from]] = amount
            fill[from] += 1
        }
        // Read-only from here on: the threads share immutable copies.
        let (rowStart, linkTargets, linkAmounts) = (linkStart, targets, amounts)
        let chunks = max(1, min(itemCount, 8 * ProcessInfo.processInfo.activeProcessorCount))
        let rows = ResultSlots<[(item: Int, row: [(index: Int32, score: Float)])]>(count: chunks)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            var sums = [Float](repeating: 0, count: itemCount)
            var touched: [Int32] = []
            var done: [(item: Int, row: [(index: Int32, score: Float)])] = []
            for item in stride(from: chunk, to: itemCount, by: chunks) {
                var total: Float = 0
                for link in rowStart[item]..<rowStart[item + 1] {
                    let target = linkTargets[link]
                    if sums[Int(target)] == 0 { touched.append(target) }
                    sums[Int(target)] += linkAmounts[link]
                    total += linkAmounts[link]
                }
                let scale = total > 0 ? 1 / pow(total, normalisation) : 0
                var best = TopK(keep)
                for target in touched {
                    best.offer(target, sums[Int(target)] * scale)
                    sums[Int(target)] = 0
                }
                touched.removeAll(keepingCapacity: true)
                done.append((item, best.sorted()))
            }
            rows.set(chunk, done)
        }
        var perItem = [[(index: Int32, score: Float)]](repeating: [], count: itemCount)
        for chunk in rows.values { for (item, row) in chunk { perItem[item] = row } }
        var start = [0], items: [Int32] = [], scores: [Float] = []
        for row in perItem {
            items.append(contentsOf: row.map(\.index))
            scores.append(contentsOf: row.map(\.score))
            start.append(items.count)
        }
        return Neighbours(start: start, items: items, scores: scores)
    }

    /// The latest `recentCount` of `purchases` (item, when first bought) with their weights: the latest
    /// `recentDecay`⁰ = 1, the one before `recentDecay`, … Purchases in the same second share a weight.
    public func recentWeights(_ purchases: [(item: Int, at: Double)]) -> [(item: Int, weight: Float)] {
        let count = min(max(0, recentCount), Self.maximumWindow)
        var chosen: [(item: Int, weight: Float)] = []
        var weight: Float = 1
        var previous: Double?
        for purchase in Self.inTimeOrder(purchases).reversed() {
            guard chosen.count < count else { break }
            if let previous, purchase.at < previous { weight *= recentDecay }
            previous = purchase.at
            chosen.append((purchase.item, weight))
        }
        return chosen
    }

    /// Oldest first; the same second by item index, so the order is deterministic.
    static func inTimeOrder(_ purchases: [(item: Int, at: Double)]) -> [(item: Int, at: Double)] {
        purchases.sorted { ($0.at, $0.item) < ($1.at, $1.item) }
    }
}
