import Addressing
import Foundation
import HTTP
@testable import Shop
@testable import ShopHTTP
import Store
import Telemetry
import Testing
import WAF
@testable import Simulator

/// The simulator against a real core on an ephemeral port: shoppers shop, attackers trip the WAF's rules.
@Suite struct SimulatorTests {
    struct Running {
        let core: Core
        let server: HTTPServer
        let address: SocketAddress
        let directory: String

        static func start() async throws -> Running {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sim-\(UUID().uuidString.prefix(8))").path
            var options = CoreOptions(dataDirectory: directory, clock: ManualClock(), logger: Logger(label: "sim", sink: MemoryLogSink()))
            options.accounts.passwordIterations = 10
            options.paymentLatency = 0
            options.catalog = { CatalogGenerator.products(count: 40) }
            let core = try await Core.open(options: options)
            let edge = ShopEdge(core: core)
            let reference = ServerReference()
            let server = HTTPServer(configuration: HTTPServerConfiguration(address: SocketAddress(ip: .v4(0x7F00_0001), port: 0)),
                                    router: edge.router(server: reference), metrics: core.metrics, observer: edge.observer)
            let address = try server.start()
            reference.set(server)
            return Running(core: core, server: server, address: address, directory: directory)
        }

        func stop() async {
            await server.shutdown(grace: 0)
            await core.close()
            try? FileManager.default.removeItem(atPath: directory)
        }

        func simulator(_ scenario: String, shoppers: Int = 30, adminToken: String? = nil, dropStock: Int = 20) -> Simulator {
            let products = CatalogGenerator.products(count: 40).map(\.id)
            return Simulator(settings: .init(target: address, scenario: scenario, seed: 7, shoppers: shoppers, products: products, hotProduct: products[0],
                                             adminToken: adminToken, dropStock: dropStock, requestTimeout: 120))
        }
    }

    @Test func shoppersSignInBrowseAndOrderFromTheirOwnAddresses() async throws {
        let shop = try await Running.start()
        defer { Task { await shop.stop() } }
        let simulator = shop.simulator("normal")
        for _ in 0..<400 { await simulator.step() }
        let tally = simulator.tally
        #expect(tally.requests == 400 && tally.failures == 0)
        #expect((tally.byStatus[200] ?? 0) + (tally.byStatus[201] ?? 0) + (tally.byStatus[202] ?? 0) > 300, "\(tally.byStatus)")
        #expect(tally.orders > 0)
        let clients = shop.core.dashboard().traffic.topClients.map(\.name)
        #expect(clients.count >= 5 && clients.allSatisfy { $0.hasPrefix("127.10.") }, "\(clients)")
        #expect(shop.core.waf.recentVerdicts().isEmpty, "no shopper trips the WAF")
    }

    @Test func shoppersFillCartsWithComplementsAndOrderThem() async throws {
        let shop = try await Running.start()
        defer { Task { await shop.stop() } }
        let simulator = shop.simulator("normal", shoppers: 10)
        for _ in 0..<600 { await simulator.step() }
        #expect(simulator.tally.failures == 0 && simulator.tally.orders > 0)
        // Orders placed from carts hold a product together with its complement (its pair in the catalogue).
        let products = CatalogGenerator.products(count: 40).map(\.id)
        var pairs = 0
        for item in try await shop.core.store.scan(Orders.table, ScanRequest(limit: 1000)).items {
            guard let order = Orders.order(item) else { continue }
            let ids = Set(order.items.map(\.productId))
            pairs += ids.filter { id in
                guard let position = products.firstIndex(of: id), products.indices.contains(position ^ 1) else { return false }
                return ids.contains(products[position ^ 1])
            }.count
        }
        #expect(pairs > 0, "some orders bought a product with its complement")
    }

    @Test func aFlashSaleOpensADropWithABurstOfEntrantsAndTheWinnersOrderWithoutOverselling() async throws {
        let shop = try await Running.start()
        defer { Task { await shop.stop() } }
        let stock = 8
        let simulator = shop.simulator("normal", shoppers: 30, adminToken: shop.core.adminToken, dropStock: stock)
        for _ in 0..<120 { await simulator.step() }  // everyone signs in
        #expect(simulator.setScenario("flash-sale"))
        for _ in 0..<3 { await simulator.step() }
        #expect(simulator.isBursting, "the drop opened and its entrants are arriving")
        for _ in 0..<397 { await simulator.step() }
        let tally = simulator.tally
        #expect(tally.dropsOpened == 1, "one drop per flash sale: \(tally)")
        #expect(tally.dropEntries >= 25, "the burst: nearly every shopper enters (\(tally.dropEntries))")
        #expect(tally.dropWins == stock && tally.dropLosses == tally.dropEntries - stock, "\(tally)")
        #expect(tally.dropOrders == stock, "every winner orders once, nobody else gets a unit: \(tally)")
        let drops = try await shop.core.drops.list()
        #expect(drops.count == 1 && drops[0].entrants == tally.dropEntries && drops[0].state == "sold-out")
        let queues = shop.core.queueStats().map(\.name)
        #expect(queues.contains { $0.hasPrefix("drop-entries") })

        // The next flash sale is a new drop; leaving a sale ends its burst (and its pace) at once.
        #expect(simulator.setScenario("normal"))
        await simulator.step()
        #expect(simulator.setScenario("flash-sale"))
        await simulator.step()
        #expect(simulator.tally.dropsOpened == 2 && simulator.isBursting)
        #expect(simulator.setScenario("normal"))
        await simulator.step()
        #expect(!simulator.isBursting)
    }

    @Test func theRateChangesAtRunTimeWithinItsBounds() async throws {
        let shop = try await Running.start()
        defer { Task { await shop.stop() } }
        let simulator = shop.simulator("normal")
        #expect(simulator.rate == 40)
        #expect(simulator.setRate(250) && simulator.rate == 250)
        #expect(!simulator.setRate(0) && !simulator.setRate(5000) && simulator.rate == 250)
    }

    @Test func attackersTripTheDetectorsTheRateRuleAndTheSignInRule() async throws {
        let shop = try await Running.start()
        defer { Task { await shop.stop() } }
        _ = try await shop.core.perform(.setRule(name: "repeat-offender", action: "off"))
        shop.core.waf.rateRules.first { $0.name == "rate-limit" }?.update(limit: 30, windowSeconds: 300)
        let simulator = shop.simulator("attack")
        for _ in 0..<400 { await simulator.step() }
        let rules = Set(shop.core.waf.recentVerdicts(limit: 500).map(\.rule))
        #expect(rules.isSuperset(of: ["rate-limit", "login-rate"]), "\(rules)")
        #expect(!rules.isDisjoint(with: ["sqli", "xss", "cmdi", "traversal"]), "\(rules)")
        let blocked = shop.core.waf.blockedAddresses().map(\.cidr)
        #expect(blocked.contains("127.77.0.1/32"), "the scraper is over the rate limit: \(blocked)")
        #expect(simulator.tally.byStatus[403] ?? 0 > 100)
    }

    @Test func scenarioPauseAndStopAreHonoured() async throws {
        let shop = try await Running.start()
        defer { Task { await shop.stop() } }
        let simulator = shop.simulator("mixed")
        #expect(simulator.setScenario("flash-sale") && simulator.scenario == "flash-sale")
        #expect(!simulator.setScenario("chaos") && simulator.scenario == "flash-sale")
        simulator.setPaused(true)
        #expect(simulator.isPaused)
        simulator.stop()
        await simulator.run()
        #expect(simulator.tally.requests == 0, "stopped before it began")
        #expect(VirtualClient.address(role: .scraper, index: 0).description == "127.77.0.1")
        #expect(VirtualClient.address(role: .shopper, index: 251).description == "127.10.1.2")
    }
}
