import Broker

extension Core {
    /// The kinds of browsing a shopper's client reports (purchases are recorded by checkout itself).
    public static let shopperEventTypes = ["view", "add_to_cart"]

    /// Records that a shopper (anonymous when `userId` is nil) viewed a product or put it in a cart: queued on
    /// `analytics` for the interaction log, so the request does not wait for the log's write.
    public func recordShopperEvent(type: String, productId: String, userId: String?) async throws(ShopError) {
        guard Self.shopperEventTypes.contains(type) else { throw .invalid("type must be view or add_to_cart") }
        guard catalog.exists(productId) else { throw .invalid("no product \(productId)") }
        var attributes: [String: MessageAttributeValue] = ["event": .string(type), "productId": .string(productId)]
        if let userId { attributes["userId"] = .string(userId) }
        do throws(BrokerError) {
            _ = try await broker.send(Messaging.analytics, OutgoingMessage(body: productId, attributes: attributes))
        } catch {
            throw .broker(error)
        }
    }
}
