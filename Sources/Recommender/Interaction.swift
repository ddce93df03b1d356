import Foundation

/// What a shopper did with an item. Purchases say the most about taste, adding to a cart less, a view
/// least; the weights are the implicit-feedback confidence each kind carries.
public enum InteractionKind: String, Sendable, CaseIterable, Codable {
    case view, cart, purchase

    /// The weight of one interaction of this kind before recency decay.
    public var weight: Double {
        switch self {
        case .view: 0.1
        case .cart: 0.3
        case .purchase: 1.0
        }
    }
}

/// One implicit-feedback event: a user, an item, when (seconds since 1970) and how much it counts.
public struct Interaction: Sendable, Equatable {
    public var user: String
    public var item: String
    public var timestamp: Double
    public var weight: Double
    /// Purchases count for "bought by" popularity and for co-purchase similarity; other kinds only weigh in.
    public var isPurchase: Bool

    public init(user: String, item: String, timestamp: Double, weight: Double = 1, isPurchase: Bool = true) {
        self.user = user
        self.item = item
        self.timestamp = timestamp
        self.weight = weight
        self.isPurchase = isPurchase
    }

    public init(user: String, item: String, timestamp: Double, kind: InteractionKind) {
        self.init(user: user, item: item, timestamp: timestamp, weight: kind.weight, isPurchase: kind == .purchase)
    }
}

/// How old interactions fade: weight × 0.5^(age / half-life), age measured back from a reference time (the
/// newest interaction, or now).
public struct RecencyDecay: Sendable, Equatable {
    public var halfLifeSeconds: Double

    public init(halfLifeDays: Double = 60) {
        halfLifeSeconds = halfLifeDays * 86_400
    }

    /// No decay at all.
    public static let none = RecencyDecay(halfLifeDays: .infinity)

    public func factor(age: Double) -> Double {
        guard halfLifeSeconds.isFinite, age > 0 else { return 1 }
        return pow(2, -age / halfLifeSeconds)
    }
}
