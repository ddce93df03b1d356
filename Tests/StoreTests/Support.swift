import Foundation
import Telemetry
@testable import Store

/// A fresh directory, removed when the value is dropped.
final class TemporaryDirectory: Sendable {
    let path: String

    init() {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("store-test-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

let productsSchema = TableSchema(name: "products", partitionKey: KeyAttribute("id", .string))
let ordersSchema = TableSchema(name: "orders", partitionKey: KeyAttribute("user", .string), sortKey: KeyAttribute("at", .number))

func quietOptions() -> StoreOptions {
    var options = StoreOptions()
    options.maintenanceIntervalSeconds = nil
    return options
}

/// Opens a store in `dir` with no background task (tests drive maintenance) and the given clock.
func openStore(_ dir: TemporaryDirectory, clock: any WallClock = ManualClock(), options: StoreOptions = quietOptions()) throws -> Store {
    try Store(directory: dir.path, options: options, clock: clock)
}

func product(_ id: String, stock: Int = 10, price: Int = 1280) -> Item {
    ["id": .string(id), "name": .string("Product \(id)"), "stock": .number(stock), "price": .number(price)]
}
