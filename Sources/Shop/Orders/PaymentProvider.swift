import Foundation
import Synchronization
import Telemetry

/// A payment provider: authorises an amount and voids an authorisation, both idempotent by key.
public protocol PaymentProvider: Sendable {
    /// An authorisation id, or throws `PaymentDeclined`.
    func authorize(orderId: String, amount: Int, idempotencyKey: String) async throws -> String
    func void(authorization: String) async throws
}

/// The provider said no.
public struct PaymentDeclined: Error, Sendable, CustomStringConvertible {
    public let orderId: String
    public var description: String { "payment for order \(orderId) was declined" }
}

/// A stand-in for a card processor: declines a share of authorisations (`failureRate`) and takes `latency`
/// seconds (on the injected clock) per call. Remembers answers by idempotency key, as real processors do, but
/// only for the latest `rememberedAnswers` to twice that many keys: a checkout retries within a minute, and
/// a provider that remembered every key would grow with every order the shop takes.
public final class SimulatedPaymentProvider: PaymentProvider {
    public let failureRate: Double
    public let latency: Double
    private let clock: any WallClock
    private let random: @Sendable () -> Double
    private let answers = Mutex(RememberedAnswers())
    /// Keys answered since the last turnover; the generation before is kept for lookups too.
    static let rememberedAnswers = 2_000

    private struct RememberedAnswers {
        var current: [String: Result<String, PaymentDeclined>] = [:]
        var previous: [String: Result<String, PaymentDeclined>] = [:]

        subscript(key: String) -> Result<String, PaymentDeclined>? { current[key] ?? previous[key] }

        mutating func remember(_ answer: Result<String, PaymentDeclined>, for key: String) {
            if current.count >= SimulatedPaymentProvider.rememberedAnswers {
                previous = current
                current = [:]
            }
            current[key] = answer
        }
    }

    public init(failureRate: Double, latency: Double, clock: any WallClock, random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.failureRate = failureRate
        self.latency = latency
        self.clock = clock
        self.random = random
    }

    public func authorize(orderId: String, amount: Int, idempotencyKey: String) async throws -> String {
        if latency > 0 { try await clock.sleep(seconds: latency) }
        let answer = answers.withLock { answers in
            if let earlier = answers[idempotencyKey] { return earlier }
            let result: Result<String, PaymentDeclined> = random() < failureRate
                ? .failure(PaymentDeclined(orderId: orderId))
                : .success("auth-" + String(idempotencyKey.hashValue.magnitude, radix: 36))
            answers.remember(result, for: idempotencyKey)
            return result
        }
        return try answer.get()
    }

    public func void(authorization: String) async throws {
        if latency > 0 { try await clock.sleep(seconds: latency) }
    }
}
