import Foundation
import Recommender
import Store

/// `shopdeck demo`. In a terminal, the live demo (`LiveDemo`: console, simulator, retraining). Elsewhere (a
/// pipe, CI) a walk-through without a terminal UI: a flash sale against the store — hundreds of shoppers
/// racing for a few units — then a restart; the web application firewall on shoppers and attackers; and
/// recommendations trained on a generated history.
struct DemoCommand {
    let arguments: ParsedArguments
    let output: any CommandOutput

    func run() async throws -> Int32 {
        // Bad shop options stop the demo here, with their message, before any directory is made.
        _ = try ShopOptions.validate(arguments)
        let scenario = try arguments.choice("--scenario", from: Commands.scenarios, default: "mixed")
        let seed = try arguments.integer("--seed", in: 0...Int(Int32.max)) ?? Int(UInt16.random(in: 0...UInt16.max))
        let temporary = arguments.value("--data") == nil
        let directory = arguments.value("--data")
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("shopdeck-demo-\(UUID().uuidString.prefix(8))").path
        defer { if temporary { try? FileManager.default.removeItem(atPath: directory) } }
        if isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 {
            return try await LiveDemo(arguments: arguments, output: output).run(scenario: scenario, seed: seed, directory: directory, temporary: temporary)
        }

        output.out("shopdeck \(Commands.version) demo (scenario \(scenario), seed \(seed))")
        output.out("No terminal here, so no console: a walk-through instead. In a terminal, 'shopdeck demo' opens the operator")
        output.out("console over the live shop with simulated shoppers and attackers ('shopdeck serve --simulate mixed' runs it headless).")
        output.out("A flash sale on the store:")
        output.out("")

        var generator = SplitMix64(seed: UInt64(seed))
        let stock = 50 + Int.random(in: 0...100, using: &generator)
        let shoppers = stock * 4
        let (sold, elapsed, stats) = try await flashSale(directory: directory, stock: stock, shoppers: shoppers)
        output.out("  data directory   \(directory)\(temporary ? " (temporary)" : "")")
        output.out("  flash sale       \(shoppers) shoppers raced for \(stock) units of \"hot-sneaker\"")
        output.out("  outcome          \(sold) orders, \(shoppers - sold) told sold out, in \(format(elapsed * 1000)) ms")
        output.out("  durability       \(stats.journal.recordsWritten) journal records in \(stats.journal.fsyncCount) fsyncs "
                   + "(\(format(stats.journal.averageBatch)) per fsync); every answer waited for its fsync")

        // Restart from the journal alone, as after a crash.
        let started = Date()
        let reopened = try Store(directory: directory)
        let recoveredIn = Date().timeIntervalSince(started)
        let left = try await reopened.get("products", key: ["id": "hot-sneaker"])?["stock"]?.int64Value ?? -1
        let orders = try await countOrders(reopened)
        await reopened.close()
        output.out("  restart          \(reopened.recoveryReport.summary) in \(format(recoveredIn * 1000)) ms")
        output.out("  after restart    stock \(left), orders \(orders): \(left >= 0 && Int(left) + orders == stock ? "never oversold" : "INCONSISTENT")")
        let consistent = left >= 0 && Int(left) + orders == stock
        output.out("")
        DemoSections.firewall(output)
        output.out("")
        DemoSections.recommendations(output, seed: UInt64(seed))
        return consistent ? ExitCode.success : ExitCode.failure
    }

    private func flashSale(directory: String, stock: Int, shoppers: Int) async throws -> (Int, Double, StoreStats) {
        let store = try Store(directory: directory)
        try await store.ensureTable(TableSchema(name: "products", partitionKey: KeyAttribute("id", .string)))
        try await store.ensureTable(TableSchema(name: "orders", partitionKey: KeyAttribute("orderId", .string)))
        try await store.put("products", ["id": "hot-sneaker", "name": "Limited sneaker", "price": 19800, "stock": .number(stock)])
        let started = Date()
        let sold = await withTaskGroup(of: Bool.self) { group in
            for shopper in 0..<shoppers {
                group.addTask {
                    do {
                        try await store.transactWrite([
                            .update(table: "products", key: ["id": "hot-sneaker"], update: UpdateExpression().add("stock", -1),
                                    condition: .compare("stock", .greater, 0)),
                            .put(table: "orders", item: ["orderId": .string("order-\(shopper)"), "productId": "hot-sneaker"]),
                        ])
                        return true
                    } catch {
                        return false
                    }
                }
            }
            var count = 0
            for await won in group where won { count += 1 }
            return count
        }
        let elapsed = Date().timeIntervalSince(started)
        let stats = store.stats
        await store.closeWithoutSnapshot()
        return (sold, elapsed, stats)
    }

    private func countOrders(_ store: Store) async throws -> Int {
        var count = 0
        var cursor: PageCursor? = nil
        repeat {
            let page = try await store.scan("orders", ScanRequest(startAfter: cursor))
            count += page.items.count
            cursor = page.nextCursor
        } while cursor != nil
        return count
    }

    private func format(_ value: Double) -> String { String(format: "%.1f", value) }
}
