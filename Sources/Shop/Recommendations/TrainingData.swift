import Foundation
import Recommender
import Store

/// The data the recommendation pipeline moves between its steps: the exported tables (DynamoDB JSON lines),
/// the optional generated demo history, and the query step's aggregate — one line per shopper × product
/// with the summed, recency-decayed weight, when it was first bought (last seen, if never bought) and
/// whether it was bought (tab-separated). The first purchase is what the evaluation's split and bought-next
/// order purchases by.
enum TrainingData {
    /// Confirmed orders' lines as purchases, from an export of the `orders` table.
    static func purchases(fromOrdersExport path: String) throws -> [Interaction] {
        try lines(path).compactMap { line -> [Interaction]? in
            guard let item = try? DynamoJSON.decode(String(line.dropFirst(8).dropLast())), case .string("confirmed")? = item["status"],
                  let order = StoredOrder(item: item) else { return nil }
            return order.items.map { Interaction(user: order.userId, item: $0.productId, timestamp: order.createdAt.timeIntervalSince1970, kind: .purchase) }
        }.flatMap { $0 }
    }

    /// Views and cart adds, from an export of the `interactions` table (purchases come from the orders).
    static func browsing(fromInteractionsExport path: String) throws -> [Interaction] {
        try lines(path).compactMap { line -> Interaction? in
            guard let item = try? DynamoJSON.decode(String(line.dropFirst(8).dropLast())), let interaction = InteractionLog.interaction(item),
                  !interaction.isPurchase else { return nil }
            return interaction
        }
    }

    /// The export's data lines, each `{"Item":{…}}`.
    private static func lines(_ path: String) throws -> [Substring] {
        guard let data = FileManager.default.contents(atPath: path) else { throw PipelineFailure("cannot read the export file \(path)") }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("{\"Item\":") && $0.hasSuffix("}") }
    }

    /// What the query step keeps and how it sums.
    struct QueryRules {
        /// Interactions older than this before `asOf` are left out.
        var windowDays = 365.0
        /// A shopper with more interactions than this per day on average over their active days is a bot.
        var botInteractionsPerDay = 500.0
        var decay = RecencyDecay()
    }

    struct QueryResult {
        var rows: Int
        var shoppers: Int
        var droppedUnknownProducts: Int
        var droppedBots: Int
        var droppedOld: Int
    }

    /// Filters to the training window, drops unknown products and bots, and aggregates to shopper × product
    /// weights, written durably to `path`.
    static func aggregate(_ interactions: [Interaction], known: Set<String>, asOf: Double, rules: QueryRules, to path: String) throws -> QueryResult {
        let since = asOf - rules.windowDays * 86_400
        var droppedOld = 0, droppedUnknown = 0
        var byUser: [String: [Interaction]] = [:]
        for interaction in interactions {
            guard interaction.timestamp >= since, interaction.timestamp <= asOf else { droppedOld += 1; continue }
            guard known.contains(interaction.item) else { droppedUnknown += 1; continue }
            byUser[interaction.user, default: []].append(interaction)
        }
        var bots = 0
        var text = ""
        var rows = 0
        for (user, list) in byUser.sorted(by: { $0.key < $1.key }) {
            let days = Set(list.map { Int($0.timestamp / 86_400) }).count
            if Double(list.count) / Double(max(days, 1)) > rules.botInteractionsPerDay {
                bots += 1
                continue
            }
            var cells: [String: (weight: Double, lastSeen: Double, firstBought: Double?)] = [:]
            for interaction in list {
                let weight = interaction.weight * rules.decay.factor(age: asOf - interaction.timestamp)
                let previous = cells[interaction.item] ?? (0, 0, nil)
                let firstBought = interaction.isPurchase ? min(previous.firstBought ?? .infinity, interaction.timestamp) : previous.firstBought
                cells[interaction.item] = (previous.weight + weight, max(previous.lastSeen, interaction.timestamp), firstBought)
            }
            for (item, cell) in cells.sorted(by: { $0.key < $1.key }) {
                text += "\(user)\t\(item)\t\(cell.firstBought ?? cell.lastSeen)\t\(cell.weight)\t\(cell.firstBought == nil ? 0 : 1)\n"
                rows += 1
            }
        }
        try DurableFile.write(Array(text.utf8), to: path)
        return QueryResult(rows: rows, shoppers: byUser.count - bots, droppedUnknownProducts: droppedUnknown, droppedBots: bots, droppedOld: droppedOld)
    }

    /// The query step's aggregate, as interactions with their weights already decayed.
    static func readAggregate(_ path: String) throws -> [Interaction] {
        guard let data = FileManager.default.contents(atPath: path) else { throw PipelineFailure("cannot read the training data \(path)") }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 5, let at = Double(fields[2]), let weight = Double(fields[3]) else { return nil }
            return Interaction(user: String(fields[0]), item: String(fields[1]), timestamp: at, weight: weight, isPurchase: fields[4] == "1")
        }
    }
}

/// A pipeline step's failure, with what an operator needs to know.
struct PipelineFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Files written whole or not at all: a temporary name, fsync, rename, fsync of the directory.
enum DurableFile {
    static func write(_ bytes: [UInt8], to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)), let handle = FileHandle(forWritingAtPath: temporary) else {
            throw PipelineFailure("cannot write \(temporary)")
        }
        try handle.synchronize()
        try handle.close()
        guard rename(temporary, path) == 0 else { throw PipelineFailure("cannot rename \(temporary) to \(path): \(String(cString: strerror(errno)))") }
        let fd = open(directory, O_RDONLY | O_DIRECTORY)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }
}
