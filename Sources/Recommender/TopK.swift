/// The `k` highest-scoring candidates, kept in a small min-heap while scores stream in: O(n log k) instead
/// of sorting every item. Ties go to the lower index, so results are deterministic.
struct TopK {
    let k: Int
    private(set) var heap: [(index: Int32, score: Float)] = []

    init(_ k: Int) {
        self.k = k
        heap.reserveCapacity(k)
    }

    /// Whether `a` ranks below `b`.
    @inline(__always)
    private static func below(_ a: (index: Int32, score: Float), _ b: (index: Int32, score: Float)) -> Bool {
        a.score < b.score || (a.score == b.score && a.index > b.index)
    }

    /// The lowest score kept once the heap is full; anything not above it cannot enter.
    var threshold: Float { heap.count < k ? -Float.infinity : heap[0].score }

    mutating func offer(_ index: Int32, _ score: Float) {
        guard k > 0 else { return }
        let candidate = (index, score)
        if heap.count < k {
            heap.append(candidate)
            var child = heap.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard Self.below(heap[child], heap[parent]) else { break }
                heap.swapAt(child, parent)
                child = parent
            }
            return
        }
        guard Self.below(heap[0], candidate) else { return }
        heap[0] = candidate
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < heap.count, Self.below(heap[left], heap[smallest]) { smallest = left }
            if right < heap.count, Self.below(heap[right], heap[smallest]) { smallest = right }
            guard smallest != parent else { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }

    /// The kept candidates, best first.
    func sorted() -> [(index: Int32, score: Float)] {
        heap.sorted { Self.below($1, $0) }
    }

    /// The `k` best of `scores` (positive ones only), best first, ties to the lower index.
    static func best(_ k: Int, of scores: [Float]) -> [(index: Int, score: Float)] {
        var top = TopK(k)
        for (index, score) in scores.enumerated() where score > 0 { top.offer(Int32(index), score) }
        return top.sorted().map { (Int($0.index), $0.score) }
    }
}
