import Store

/// What the analytics worker has counted for one product. Counts are at-least-once: a message redelivered after
/// a crash between the update and its acknowledgement counts twice, which trend figures tolerate.
public struct ProductStats: Sendable, Equatable, Encodable {
    public var productId: String
    public var views: Int
    public var addToCart: Int
    public var unitsSold: Int
    public var orders: Int
}

extension Core {
    /// The analytics counters for `productId` (zeros before any event).
    public func productStats(_ productId: String) async throws(StoreError) -> ProductStats {
        let item = try await store.get(Workers.statsTable, key: ["productId": .string(productId)])
        func count(_ name: String) -> Int { Int(item?[name]?.int64Value ?? 0) }
        return ProductStats(productId: productId, views: count("views"), addToCart: count("carts"), unitsSold: count("sold"), orders: count("orders"))
    }
}
