/// A usage plan: a token bucket (steady `rate` per second, bursts up to `burst`) and an optional daily quota.
public struct UsagePlan: Sendable, Equatable, Codable {
    public var rate: Double
    public var burst: Int
    /// Requests per UTC day; nil for none.
    public var dailyQuota: Int?

    public init(rate: Double, burst: Int, dailyQuota: Int? = nil) {
        self.rate = rate
        self.burst = burst
        self.dailyQuota = dailyQuota
    }

    /// Requests without `x-api-key`, per client IP (design.md).
    public static let anonymous = UsagePlan(rate: 20, burst: 40)
}
