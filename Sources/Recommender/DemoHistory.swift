import Foundation

/// A deterministic purchase history with the structure real shops have, so recommendations in the demo
/// mean something before real traffic exists: shoppers belong to hidden taste clusters (each cluster
/// favouring a few categories, and within them its own items, Zipf-like), some items have complements
/// bought soon after them (a kettle, then tea), a few items trend in the last two weeks, and every
/// purchase is preceded by views and a cart add. Purchases are spread over `days` ending at `end`.
public struct DemoHistory: Sendable {
    public var users = 10_000
    public var purchases = 100_000
    public var clusters = 16
    public var days = 180.0
    /// Seconds since 1970 of the last moment in the history.
    public var end = 1_795_000_000.0
    public var seed: UInt64 = 2026
    /// Views and cart adds before each purchase (off: purchases only, as benchmark input).
    public var browsing = true

    public init() {}

    /// The interactions over `catalogue` (item identifier and category), oldest first.
    public func interactions(catalogue: [(id: String, category: String)]) -> [Interaction] {
        guard !catalogue.isEmpty, users > 0 else { return [] }
        var random = SplitMix64(seed: seed)
        let categories = Array(Set(catalogue.map(\.category))).sorted()
        let byCategory = Dictionary(grouping: catalogue.indices, by: { catalogue[$0].category })
        // Each cluster's favourite items: three categories, a shuffled Zipf order within them.
        let tastes: [[Int]] = (0..<clusters).map { _ in
            let chosen = (0..<min(3, categories.count)).map { _ in categories[Int(random.next() % UInt64(categories.count))] }
            var items = Array(Set(chosen.flatMap { byCategory[$0] ?? [] })).sorted()
            random.shuffle(&items)
            return Array(items.prefix(80))
        }
        // Complements: an item of another category often bought right after this one.
        let complements: [Int] = catalogue.indices.map { _ in Int(random.next() % UInt64(catalogue.count)) }
        let trending = (0..<12).map { _ in Int(random.next() % UInt64(catalogue.count)) }
        let start = end - days * 86_400
        var history: [Interaction] = []
        history.reserveCapacity(purchases * 4)
        var made = 0
        while made < purchases {
            let user = Int(random.zipf(users, exponent: 0.6))
            var userRandom = SplitMix64(seed: seed &+ UInt64(user) &* 0x9E37_79B9)
            let taste = tastes[Int(userRandom.next() % UInt64(clusters))]
            let second = tastes[Int(userRandom.next() % UInt64(clusters))]
            let at = start + random.unit() * days * 86_400
            var item: Int
            let roll = random.unit()
            if at > end - 14 * 86_400, roll < 0.15 {
                item = trending[Int(random.next() % UInt64(trending.count))]
            } else if roll < 0.75 {
                item = taste[Int(random.zipf(taste.count, exponent: 1.0))]
            } else if roll < 0.9 {
                item = second[Int(random.zipf(second.count, exponent: 1.0))]
            } else {
                item = Int(random.zipf(catalogue.count, exponent: 0.9))
            }
            let name = "u\(user)"
            for _ in 0..<(browsing ? Int(random.next() % 3) : 0) {
                let browsed = taste[Int(random.zipf(taste.count, exponent: 0.8))]
                history.append(Interaction(user: name, item: catalogue[browsed].id, timestamp: at - 600 - random.unit() * 3000, kind: .view))
            }
            if browsing { history.append(Interaction(user: name, item: catalogue[item].id, timestamp: at - 120, kind: .cart)) }
            history.append(Interaction(user: name, item: catalogue[item].id, timestamp: at, kind: .purchase))
            made += 1
            if made < purchases, random.unit() < 0.3 {
                item = complements[item]
                history.append(Interaction(user: name, item: catalogue[item].id, timestamp: at + 60 + random.unit() * 86_400, kind: .purchase))
                made += 1
            }
        }
        return history.sorted { $0.timestamp < $1.timestamp }
    }
}

/// SplitMix64: small, fast and deterministic — the same seed gives the same history (or demo, or benchmark
/// workload) on every machine.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// A rank in 0..<n, rank r drawn with probability ∝ 1/(r+1)^exponent (inverse transform on the
    /// continuous approximation, good enough for demo data).
    mutating func zipf(_ n: Int, exponent: Double) -> Int {
        guard n > 1 else { return 0 }
        let u = unit()
        if abs(exponent - 1) < 1e-9 {
            return min(n - 1, Int(pow(Double(n + 1), u)) - 1)
        }
        let power = 1 - exponent
        let top = pow(Double(n + 1), power)
        return min(n - 1, max(0, Int(pow(1 + u * (top - 1), 1 / power)) - 1))
    }

    mutating func shuffle<T>(_ items: inout [T]) {
        guard items.count > 1 else { return }
        for index in stride(from: items.count - 1, to: 0, by: -1) {
            items.swapAt(index, Int(next() % UInt64(index + 1)))
        }
    }
}
