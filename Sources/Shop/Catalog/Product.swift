/// A product as the API shows it.
public struct Product: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var category: String
    /// In the smallest unit of `currency` (yen have none smaller).
    public var price: Int
    public var currency: String
    public var stock: Int
    public var tags: [String]
    public var description: String

    public init(id: String, name: String, category: String, price: Int, currency: String = "JPY", stock: Int, tags: [String], description: String) {
        self.id = id
        self.name = name
        self.category = category
        self.price = price
        self.currency = currency
        self.stock = stock
        self.tags = tags
        self.description = description
    }

    /// Orders ids numerically within their prefix (`p2` before `p10`).
    static func idOrder(_ a: String, _ b: String) -> Bool {
        a.utf8.count != b.utf8.count ? a.utf8.count < b.utf8.count : a < b
    }
}
