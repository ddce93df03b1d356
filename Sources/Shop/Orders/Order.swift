import Foundation
import Telemetry

/// One line of a cart or an order.
public struct OrderLine: Codable, Sendable, Equatable {
    public var productId: String
    public var quantity: Int
    /// Unit price when the line was priced.
    public var price: Int
}

/// An order as the API shows it: `{"orderId","status","reason"?,"items","total","createdAt"}`.
public struct Order: Encodable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        case pending, confirmed, failed
    }

    public var orderId: String
    public var userId: String
    public var status: Status
    public var reason: String?
    public var items: [OrderLine]
    public var total: Int
    public var createdAt: Date

    private enum CodingKeys: String, CodingKey { case orderId, status, reason, items, total, createdAt }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(orderId, forKey: .orderId)
        try container.encode(status, forKey: .status)
        try container.encodeIfPresent(reason, forKey: .reason)
        try container.encode(items, forKey: .items)
        try container.encode(total, forKey: .total)
        try container.encode(Logger.timestamp(createdAt), forKey: .createdAt)
    }
}

/// The unchanging part of an order, kept as the stored document; status and reason are native attributes.
struct StoredOrder: Codable, Sendable {
    var orderId: String
    var userId: String
    var items: [OrderLine]
    var total: Int
    var createdAt: Date
}
