import Foundation

/// The catalog's searchable index in memory: product details (not stock, which lives in the store) in id
/// order, with lowercase search text per product.
struct CatalogIndex: Sendable {
    private(set) var products: [Product] = []
    private var searchText: [String] = []
    private var positions: [String: Int] = [:]

    init(_ products: [Product]) {
        self.products = products.sorted { Product.idOrder($0.id, $1.id) }
        searchText = self.products.map { ([$0.name, $0.category, $0.description] + $0.tags).joined(separator: " ").lowercased() }
        for (index, product) in self.products.enumerated() { positions[product.id] = index }
    }

    func product(_ id: String) -> Product? {
        positions[id].map { products[$0] }
    }

    var categories: [String] { Array(Set(products.map(\.category))).sorted() }

    /// Up to `limit` products matching every word of `query` and the category, after the product `after`.
    func search(query: String?, category: String?, after: String?, limit: Int) -> (page: [Product], more: Bool) {
        let words = (query ?? "").lowercased().split(whereSeparator: { $0 == " " || $0 == "+" }).map(String.init)
        var start = 0
        if let after {
            start = products.firstIndex { !Product.idOrder($0.id, after) && $0.id != after } ?? products.count
        }
        var page: [Product] = []
        var index = start
        while index < products.count {
            let product = products[index]
            if category == nil || product.category == category, words.allSatisfy({ searchText[index].contains($0) }) {
                if page.count == limit { return (page, true) }
                page.append(product)
            }
            index += 1
        }
        return (page, false)
    }
}
