/// Interactions as a sparse user × item matrix: dense indices for users and items, each user's items with
/// their summed, recency-decayed weights (sorted by item index), and who bought each item. Built once per
/// training run; everything that trains reads it.
public struct InteractionMatrix: Sendable {
    /// Item identifiers by index: the catalogue the model ranks.
    public let items: [String]
    /// User identifiers by index.
    public let users: [String]
    let itemIndex: [String: Int32]
    let userIndex: [String: Int32]
    /// User `u`'s entries are `userStart[u]..<userStart[u + 1]` of `entryItems` / `entryWeights` / `entryBought`.
    let userStart: [Int]
    let entryItems: [Int32]
    let entryWeights: [Float]
    let entryBought: [Bool]
    /// When the user first bought the entry's item (seconds since 1970); infinity when they never did.
    let entryFirstBought: [Double]
    /// Buyers of item `i` (user indices): `buyerStart[i]..<buyerStart[i + 1]` of `buyers`.
    let buyerStart: [Int]
    let buyers: [Int32]

    public var itemCount: Int { items.count }
    public var userCount: Int { users.count }
    /// Distinct (user, item) pairs.
    public var entryCount: Int { entryItems.count }

    /// Builds the matrix. `catalogue`, when given, fixes the items (in its order) and drops interactions with
    /// any other item; otherwise items are taken in order of first appearance. Weights decay with `decay`
    /// back from `referenceTime` (the newest interaction when nil); with `binary`, every entry weighs 1.
    public init(_ interactions: [Interaction], catalogue: [String]? = nil, decay: RecencyDecay = .none, referenceTime: Double? = nil,
                binary: Bool = false) {
        var itemIndex: [String: Int32] = [:]
        var items: [String] = []
        if let catalogue {
            for item in catalogue where itemIndex[item] == nil {
                itemIndex[item] = Int32(items.count)
                items.append(item)
            }
        }
        let reference = referenceTime ?? interactions.map(\.timestamp).max() ?? 0
        var userIndex: [String: Int32] = [:]
        var users: [String] = []
        // Each interaction as indices first; then grouped by user with a counting sort, and each user's
        // entries sorted by item and merged — no dictionary per user.
        var rawUsers: [Int32] = [], rawItems: [Int32] = [], rawWeights: [Double] = [], rawBought: [Bool] = [], rawTimes: [Double] = []
        rawUsers.reserveCapacity(interactions.count)
        rawItems.reserveCapacity(interactions.count)
        rawWeights.reserveCapacity(interactions.count)
        rawBought.reserveCapacity(interactions.count)
        rawTimes.reserveCapacity(interactions.count)
        for interaction in interactions {
            let item: Int32
            if let known = itemIndex[interaction.item] {
                item = known
            } else {
                guard catalogue == nil else { continue }
                item = Int32(items.count)
                itemIndex[interaction.item] = item
                items.append(interaction.item)
            }
            let user: Int32
            if let known = userIndex[interaction.user] {
                user = known
            } else {
                user = Int32(users.count)
                userIndex[interaction.user] = user
                users.append(interaction.user)
            }
            rawUsers.append(user)
            rawItems.append(item)
            rawWeights.append(interaction.weight * decay.factor(age: reference - interaction.timestamp))
            rawBought.append(interaction.isPurchase)
            rawTimes.append(interaction.timestamp)
        }
        var rowStart = [Int](repeating: 0, count: users.count + 1)
        for user in rawUsers { rowStart[Int(user) + 1] += 1 }
        for index in 0..<users.count { rowStart[index + 1] += rowStart[index] }
        var order = [Int32](repeating: 0, count: rawUsers.count)
        var next = rowStart
        for (position, user) in rawUsers.enumerated() {
            order[next[Int(user)]] = Int32(position)
            next[Int(user)] += 1
        }

        var userStart = [0]
        userStart.reserveCapacity(users.count + 1)
        var entryItems: [Int32] = [], entryWeights: [Float] = [], entryBought: [Bool] = [], entryFirstBought: [Double] = []
        entryItems.reserveCapacity(rawItems.count)
        entryWeights.reserveCapacity(rawItems.count)
        entryBought.reserveCapacity(rawItems.count)
        entryFirstBought.reserveCapacity(rawItems.count)
        var buyerCounts = [Int](repeating: 0, count: items.count)
        for user in 0..<users.count {
            let row = order[rowStart[user]..<rowStart[user + 1]].sorted { rawItems[Int($0)] < rawItems[Int($1)] }
            var previousItem: Int32 = -1
            for position in row.map(Int.init) {
                let item = rawItems[position]
                let boughtAt = rawBought[position] ? rawTimes[position] : .infinity
                if item == previousItem {
                    entryWeights[entryWeights.count - 1] += Float(rawWeights[position])
                    entryFirstBought[entryFirstBought.count - 1] = min(entryFirstBought[entryFirstBought.count - 1], boughtAt)
                    if rawBought[position], !entryBought[entryBought.count - 1] {
                        entryBought[entryBought.count - 1] = true
                        buyerCounts[Int(item)] += 1
                    }
                    continue
                }
                previousItem = item
                entryItems.append(item)
                entryWeights.append(Float(rawWeights[position]))
                entryBought.append(rawBought[position])
                entryFirstBought.append(boughtAt)
                if rawBought[position] { buyerCounts[Int(item)] += 1 }
            }
            userStart.append(entryItems.count)
        }
        var buyerStart = [0]
        for count in buyerCounts { buyerStart.append(buyerStart.last! + count) }
        var buyers = [Int32](repeating: 0, count: buyerStart.last!)
        var fill = buyerStart
        for user in 0..<users.count {
            for entry in userStart[user]..<userStart[user + 1] where entryBought[entry] {
                let item = Int(entryItems[entry])
                buyers[fill[item]] = Int32(user)
                fill[item] += 1
            }
        }
        self.items = items
        self.users = users
        self.itemIndex = itemIndex
        self.userIndex = userIndex
        self.userStart = userStart
        self.entryItems = entryItems
        self.entryWeights = binary ? [Float](repeating: 1, count: entryWeights.count) : entryWeights
        self.entryBought = entryBought
        self.entryFirstBought = entryFirstBought
        self.buyerStart = buyerStart
        self.buyers = buyers
    }

    /// The index of an item, if the matrix knows it.
    public func index(ofItem item: String) -> Int? { itemIndex[item].map(Int.init) }

    /// The index of a user, if the matrix knows them.
    public func index(ofUser user: String) -> Int? { userIndex[user].map(Int.init) }

    /// User `u`'s items and weights.
    func history(ofUser user: Int) -> ArraySlice<Int32> { entryItems[userStart[user]..<userStart[user + 1]] }

    /// How many distinct users bought item `i`.
    func buyerCount(_ item: Int) -> Int { buyerStart[item + 1] - buyerStart[item] }

    /// User `u`'s purchases as (item, when first bought), in no particular order.
    func purchases(ofUser user: Int) -> [(item: Int, at: Double)] {
        (userStart[user]..<userStart[user + 1]).compactMap { entryBought[$0] ? (Int(entryItems[$0]), entryFirstBought[$0]) : nil }
    }

    /// User `u`'s history as (item, weight) pairs.
    public func weightedHistory(ofUser user: Int) -> [(item: Int, weight: Float)] {
        (userStart[user]..<userStart[user + 1]).map { (Int(entryItems[$0]), entryWeights[$0]) }
    }
}
