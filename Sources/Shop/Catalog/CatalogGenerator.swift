import Recommender

/// Makes the shop's catalog deterministically, so `assets/catalog.json` can be regenerated and checked:
/// the same seed always gives the same products.
public enum CatalogGenerator {
    struct Category {
        let name: String
        let nouns: [String]
        let adjectives: [String]
        let variants: [String]
        let tags: [String]
        let priceRange: ClosedRange<Int>
    }

    static let categories: [Category] = [
        Category(name: "tea", nouns: ["Sencha", "Gyokuro", "Matcha", "Hojicha", "Genmaicha", "Oolong", "Earl Grey", "Darjeeling", "Rooibos", "Jasmine tea"],
                 adjectives: ["Organic", "First-flush", "Stone-ground", "Roasted", "Single-estate", "Shaded", "Smoky", "Floral"],
                 variants: ["50 g", "100 g", "200 g", "20 bags", "tin, 80 g"], tags: ["tea", "green", "organic", "loose-leaf", "gift"], priceRange: 480...4800),
        Category(name: "coffee", nouns: ["Espresso blend", "Ethiopia Yirgacheffe", "Colombia Huila", "Kenya AA", "Decaf blend", "Cold brew pack", "Drip bags", "Mocha Java"],
                 adjectives: ["Light roast", "Medium roast", "Dark roast", "Fair-trade", "Washed", "Natural-process"],
                 variants: ["200 g beans", "500 g beans", "200 g ground", "10 drip bags", "1 kg beans"], tags: ["coffee", "beans", "fair-trade", "roasted"], priceRange: 780...5200),
        Category(name: "snacks", nouns: ["Rice crackers", "Matcha cookies", "Dried mango", "Almond mix", "Yuzu gummies", "Seaweed chips", "Dark chocolate", "Granola"],
                 adjectives: ["Salted", "Spicy", "Honey", "Sugar-free", "Family-size", "Crunchy", "Seasonal"],
                 variants: ["80 g", "150 g", "300 g", "box of 12", "assorted"], tags: ["snack", "sweet", "savory", "vegan", "gift"], priceRange: 200...2400),
        Category(name: "kitchen", nouns: ["Chef's knife", "Cast-iron pan", "Rice cooker", "Bamboo steamer", "Tea kettle", "Cutting board", "Ceramic bowl set", "Chopsticks set"],
                 adjectives: ["Stainless", "Hand-forged", "Non-stick", "Hinoki", "Induction-ready", "Compact", "Professional"],
                 variants: ["18 cm", "24 cm", "28 cm", "set of 4", "3-cup", "5.5-cup"], tags: ["kitchen", "cookware", "tools", "handmade"], priceRange: 1200...38_000),
        Category(name: "sneakers", nouns: ["Runner", "Court classic", "Trail runner", "High-top", "Slip-on", "Racer", "Skate low"],
                 adjectives: ["Limited", "Retro", "Lightweight", "Waterproof", "Recycled", "Collaboration", "Everyday"],
                 variants: ["black", "white", "grey/volt", "navy", "sand", "triple white"], tags: ["sneakers", "shoes", "running", "limited", "streetwear"], priceRange: 6800...32_000),
        Category(name: "apparel", nouns: ["T-shirt", "Hoodie", "Denim jacket", "Chino trousers", "Rain shell", "Wool sweater", "Cap", "Socks pack"],
                 adjectives: ["Organic cotton", "Oversized", "Slim", "Merino", "Packable", "Heavyweight", "Linen-blend"],
                 variants: ["S", "M", "L", "XL", "one size"], tags: ["apparel", "cotton", "basics", "outdoor"], priceRange: 1500...24_000),
        Category(name: "books", nouns: ["Cookbook", "Travel guide", "Field guide", "Novel", "Photo book", "Manga box set", "Language course"],
                 adjectives: ["Illustrated", "Pocket", "Collector's", "Bilingual", "Hardcover", "Paperback"],
                 variants: ["Japanese edition", "English edition", "2nd edition", "signed copy"], tags: ["books", "reading", "gift", "japan"], priceRange: 900...8800),
        Category(name: "electronics", nouns: ["Wireless earbuds", "Power bank", "USB-C charger", "Bluetooth speaker", "Mechanical keyboard", "Webcam", "E-reader"],
                 adjectives: ["Noise-cancelling", "Fast-charging", "Portable", "Low-latency", "Compact", "Water-resistant"],
                 variants: ["black", "white", "10,000 mAh", "65 W", "2nd gen", "tenkeyless"], tags: ["electronics", "audio", "charging", "gadgets"], priceRange: 1980...42_000),
        Category(name: "home", nouns: ["Linen sheets", "Diffuser", "Floor cushion", "Desk lamp", "Noren curtain", "Storage basket", "Throw blanket"],
                 adjectives: ["Washed", "Hand-woven", "Dimmable", "Minimal", "Hinoki-scented", "Recycled"],
                 variants: ["single", "double", "natural", "indigo", "charcoal", "large"], tags: ["home", "interior", "linen", "handmade"], priceRange: 1800...26_000),
        Category(name: "beauty", nouns: ["Face wash", "Sheet masks", "Sunscreen", "Hand cream", "Camellia oil", "Bath salts", "Lip balm"],
                 adjectives: ["Gentle", "Fragrance-free", "Yuzu", "Rice-bran", "Sensitive-skin", "Travel-size"],
                 variants: ["50 ml", "100 ml", "pack of 7", "30 g", "refill"], tags: ["beauty", "skincare", "natural", "travel"], priceRange: 600...6400),
    ]

    /// `count` products, the same for the same `seed`.
    public static func products(count: Int = 1200, seed: UInt64 = 20_261_129) -> [Product] {
        var random = SplitMix64(seed: seed)
        var products: [Product] = []
        products.reserveCapacity(count)
        for index in 1...count {
            let category = categories[(index - 1) % categories.count]
            let noun = category.nouns[random.below(category.nouns.count)]
            let adjective = category.adjectives[random.below(category.adjectives.count)]
            let variant = category.variants[random.below(category.variants.count)]
            let span = category.priceRange.upperBound - category.priceRange.lowerBound
            let price = (category.priceRange.lowerBound + random.below(span + 1)) / 10 * 10
            let stock = random.below(10) == 0 ? random.below(5) : 20 + random.below(480)
            var tags = [category.tags[0]]
            for tag in category.tags.dropFirst() where random.below(3) == 0 { tags.append(tag) }
            let description = "\(adjective) \(noun.lowercased()), \(variant). From the \(category.name) shelf: "
                + ["a customer favourite", "new this season", "restocked weekly", "made in small batches", "a staff pick"][random.below(5)] + "."
            products.append(Product(id: "p\(index)", name: "\(adjective) \(noun), \(variant)", category: category.name,
                                    price: price, stock: stock, tags: tags, description: description))
        }
        return products
    }
}

extension SplitMix64 {
    /// Uniform in 0..<bound.
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}
