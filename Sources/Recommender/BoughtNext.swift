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

    /// The shop's settings: chosen by `rec-eval --tune` on the generated history's validation split and
    /// on MovieLens 100k's (README, *Recommendations*), where they land close to each other.
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
    /// first. Empty rows when the weight is 0 (nothing would read them).
    func transitions(_ matrix: InteractionMatrix) -> Neighbours {
        let itemCount = matrix.itemCount
        guard weight > 0 else { return Neighbours(start: [Int](repeating: 0, count: itemCount + 1), items: [], scores: []) }
        let window = min(max(1, self.window), Self.maximumWindow)
        var from: [Int32] = [], to: [Int32] = [], amount: [Float] = []
        for user in 0..<matrix.userCount {
            let sequence = Self.inTimeOrder(matrix.purchases(ofUser: user))
            for (position, earlier) in sequence.enumerated() {
                var step: Float = 1
                for later in sequence[(position + 1)..<min(sequence.count, position + 1 + window)] {
                    if later.at > earlier.at {
                        from.append(Int32(earlier.item)); to.append(Int32(later.item)); amount.append(step)
                    } else {
                        from.append(Int32(earlier.item)); to.append(Int32(later.item)); amount.append(step / 2)
                        from.append(Int32(later.item)); to.append(Int32(earlier.item)); amount.append(step / 2)
                    }
                    step *= stepDecay
                }
            }
        }
        // Grouped by source item with a counting sort, then each row summed in a dense scratch array.
        var rowStart = [Int](repeating: 0, count: itemCount + 1)
        for item in from { rowStart[Int(item) + 1] += 1 }
        for item in 0..<itemCount { rowStart[item + 1] += rowStart[item] }
        var order = [Int](repeating: 0, count: from.count)
        var fill = rowStart
        for (index, item) in from.enumerated() {
            order[fill[Int(item)]] = index
            fill[Int(item)] += 1
        }
        var sums = [Float](repeating: 0, count: itemCount)
        var touched: [Int32] = []
        var start = [0], items: [Int32] = [], scores: [Float] = []
        for item in 0..<itemCount {
            var total: Float = 0
            for index in order[rowStart[item]..<rowStart[item + 1]] {
                let target = to[index]
                if sums[Int(target)] == 0 { touched.append(target) }
                sums[Int(target)] += amount[index]
                total += amount[index]
            }
            let scale = total > 0 ? 1 / pow(total, normalisation) : 0
            var best = TopK(keep)
            for target in touched {
                best.offer(target, sums[Int(target)] * scale)
                sums[Int(target)] = 0
            }
            touched.removeAll(keepingCapacity: true)
            for entry in best.sorted() {
                items.append(entry.index)
                scores.append(entry.score)
            }
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
