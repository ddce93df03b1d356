import Addressing
import Foundation
import HTTP

/// One simulated client: its own loopback source address (so the WAF and the console see distinct IPs),
/// its own deterministic random stream, and — for shoppers — a hidden taste (favourite products) and a
/// session once signed in.
struct VirtualClient: Sendable {
    enum Role: String, Sendable {
        case shopper, prober, scraper, stuffer
    }

    let role: Role
    let index: Int
    let address: IPAddress
    var random: SimulationRandom
    var token: String?
    /// Sign-up and sign-in attempts so far (they alternate, sign-up first, until a token comes back).
    var signInAttempts = 0
    /// Products this shopper is drawn to, most first.
    var taste: [String] = []
    /// What this shopper believes is in its cart (the server's cart empties when an order is placed from it).
    var cart: [String] = []
    /// A product's complement, to be put in the cart next turn: bought together, it becomes a pattern the
    /// recommender can find.
    var pendingComplement: String?
    /// A product the shop recommended that caught this shopper's eye, to be put in the cart next turn: what
    /// the console's "orders earned" counts.
    var pendingRecommendation: String?
    /// This shopper's entry in the current drop, and whether it has ordered its win.
    var entry: DropEntryMemory?

    var email: String { "sim-\(role.rawValue)-\(index)@example.com" }
    var password: String { "simulated-shopper-\(index)-Pass" }

    /// 127.<role block>.<index / 250>.<index % 250 + 1>: a different /24 per role, so a CIDR block can
    /// take out all scrapers and none of the shoppers.
    static func address(role: Role, index: Int) -> IPAddress {
        let block: UInt32 = switch role {
        case .shopper: 10
        case .prober: 66
        case .scraper: 77
        case .stuffer: 88
        }
        let value: UInt32 = 127 << 24 | block << 16 | UInt32(index / 250 % 256) << 8 | UInt32(index % 250 + 1)
        return .v4(value)
    }
}

/// A shopper's entry in a drop, as the shop last reported it.
struct DropEntryMemory: Sendable, Equatable {
    var dropId: String
    var entryId: String?
    /// `pending`, `won` or `lost`.
    var state: String
    var ordered = false
}

/// SplitMix64, seeded per client from the simulation's seed: the same `--seed` makes every client take the
/// same decisions in the same order (timing still varies).
struct SimulationRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// A rank in 0..<n with probability ∝ 1/(rank + 1): popular things first, a long tail.
    mutating func zipf(_ n: Int) -> Int {
        guard n > 1 else { return 0 }
        return min(n - 1, Int(pow(Double(n + 1), unit())) - 1)
    }
}
