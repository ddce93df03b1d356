import Addressing
import Console
import Foundation
import HTTP
import Recommender
import Shop
import Simulator
import Telemetry

/// `shopdeck demo` in a terminal: the whole shop in a temporary directory (or `--data`), trained on the
/// generated history and retrained every three minutes, with simulated shoppers and attackers driving its
/// HTTP API and the operator console in front. Logs go to `DIR/shopdeck.log`.
struct LiveDemo {
    let arguments: ParsedArguments
    let output: any CommandOutput

    /// Runs the demo in `directory`; a `temporary` one is removed when the demo ends, and the goodbye says so.
    func run(scenario: String, seed: Int, directory: String, temporary: Bool) async throws -> Int32 {
        let options = try ShopOptions.validate(arguments)
        var settings = try RunCommand.consoleSettings(arguments)
        settings.scenario = scenario
        let logger = try ShopRuntime.fileLogger(directory: directory)
        let light = Self.lightSettings(ProcessInfo.processInfo.environment)
        let core = try await ShopRuntime.openCore(directory: directory, options: options, logger: logger) { core in
            var history = DemoHistory()
            if let purchases = light.purchases {
                history.purchases = purchases
                history.users = max(100, purchases / 10)
            }
            core.demoHistory = history
            core.recommendationSchedule = "rate(3 minutes)"
            if let iterations = light.passwordIterations { core.accounts.passwordIterations = iterations }
        }
        // The demo takes another port when 8080 is busy rather than failing.
        let served: (server: HTTPServer, address: SocketAddress)
        if arguments.value("--listen") == nil, let preferred = try? await ShopRuntime.listen(core, on: options.listen, logger: logger, closingOnFailure: false) {
            served = preferred
        } else {
            served = try await ShopRuntime.listen(core, on: arguments.value("--listen") == nil ? SocketAddress(ip: options.listen.ip, port: 0) : options.listen,
                                                  logger: logger)
        }
        settings.rate = light.rate ?? 40
        let products = core.catalog.all.map(\.id)
        let simulator = Simulator(settings: .init(target: served.address, scenario: scenario, seed: UInt64(seed), rate: light.rate ?? 40,
                                                  products: products, hotProduct: products.first { $0.hasPrefix("p") } ?? products[0],
                                                  adminToken: core.adminToken))
        let traffic = Task { await simulator.run() }
        let console = ConsoleApp(source: InProcessDashboard(core: core, listening: served.address.description), settings: settings, simulation: .init(
            setScenario: { simulator.setScenario($0) }, setPaused: { simulator.setPaused($0) }, setRate: { simulator.setRate($0) }))
        var failure: TerminalError?
        do throws(TerminalError) {
            try await console.run()
        } catch {
            failure = error
        }
        logger.info("console closed; stopping the simulator")
        simulator.stop()
        // Requests in flight finish within their timeout; the demo does not wait longer than that for them.
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await traffic.value }
            group.addTask { try? await Task.sleep(nanoseconds: 12_000_000_000) }
            await group.next()
            group.cancelAll()
        }
        logger.info("simulator stopped; shutting the server down")
        await served.server.shutdown(grace: 2)
        logger.info("server down; closing the core")
        await core.close()
        logger.info("core closed")
        if let failure { throw RuntimeFailure(description: failure.description) }
        let tally = simulator.tally
        output.out("shopdeck demo stopped: the simulator sent \(tally.requests) requests (\(tally.orders) orders accepted); " + Self.whereTheLogIs(directory, temporary: temporary))
        return ExitCode.success
    }

    /// Where the demo's log can be read afterwards. A temporary directory is gone by then: naming a log in it
    /// sent operators looking for a file that no longer existed (issue 21).
    static func whereTheLogIs(_ directory: String, temporary: Bool) -> String {
        temporary ? "its shop and log were in a temporary directory, now removed (--data DIR keeps them)" : "log in \(directory)/shopdeck.log"
    }

    /// A lighter demo for tests and slow machines, from the environment (the demo's shop is thrown away, so
    /// cheaper password hashing harms nothing): `SHOPDECK_DEMO_PURCHASES` (generated history size),
    /// `SHOPDECK_DEMO_PASSWORD_ITERATIONS`, `SHOPDECK_DEMO_RATE` (simulated actions per second).
    static func lightSettings(_ environment: [String: String]) -> (purchases: Int?, passwordIterations: Int?, rate: Double?) {
        let purchases = environment["SHOPDECK_DEMO_PURCHASES"].flatMap(Int.init).map { min(max($0, 1000), 1_000_000) }
        let iterations = environment["SHOPDECK_DEMO_PASSWORD_ITERATIONS"].flatMap(Int.init).map { min(max($0, 1), 100_000) }
        let rate = environment["SHOPDECK_DEMO_RATE"].flatMap(Double.init).map { min(max($0, 0.5), 500) }
        return (purchases, iterations, rate)
    }
}
