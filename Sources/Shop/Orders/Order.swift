import Foundation
import Store
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

/// The unchanging part of an order. It is kept as native store attributes (`items` a list of maps) rather
/// than a JSON document: every checkout step reads the order, and Foundation's JSON decoder was a tenth of
/// the CPU an order costs. Orders written as a document by earlier versions are still read.
struct StoredOrder: Codable, Sendable {
    var orderId: String
    var userId: String
    var items: [OrderLine]
    var total: Int
    var createdAt: Date

    var attributes: Item {
        ["total": .number(total), "createdAt": .number(Int((createdAt.timeIntervalSince1970 * 1000).rounded())),
         "items": .list(items.map { .map(["productId": .string($0.productId), "quantity": .number($0.quantity), "price": .number($0.price)]) })]
    }

    init(orderId: String, userId: String, items: [OrderLine], total: Int, createdAt: Date) {
        self.orderId = orderId
        self.userId = userId
        self.items = items
        self.total = total
        self.createdAt = createdAt
    }

    /// The order in `item`, from its native attributes or, for an older item, its JSON document.
    init?(item: Item) {
        guard case .list(let lines)? = item["items"] else {
            guard let stored = StoredDocument.decode(StoredOrder.self, from: item) else { return nil }
            self = stored
            return
        }
        guard case .string(let orderId)? = item["orderId"], case .string(let userId)? = item["userId"],
              let total = item["total"]?.int64Value, let createdAt = item["createdAt"]?.int64Value else { return nil }
        var items: [OrderLine] = []
        for line in lines {
            guard case .map(let fields) = line, case .string(let productId)? = fields["productId"],
                  let quantity = fields["quantity"]?.int64Value, let price = fields["price"]?.int64Value else { return nil }
            items.append(OrderLine(productId: productId, quantity: Int(quantity), price: Int(price)))
        }
        self.init(orderId: orderId, userId: userId, items: items, total: Int(total), createdAt: Date(timeIntervalSince1970: Double(createdAt) / 1000))
    }
}

/// A page of `GET /api/orders`: `nextCursor` is null on the last page (written out, as `/api/products` does).
public struct OrderPage: Encodable, Sendable {
    public var items: [Order]
    public var nextCursor: String?

    public init(items: [Order], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }

    private enum CodingKeys: String, CodingKey { case items, nextCursor }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(nextCursor, forKey: .nextCursor)
    }
}
