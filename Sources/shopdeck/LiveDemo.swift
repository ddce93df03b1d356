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

    func run(scenario: String, seed: Int, directory: String) async throws -> Int32 {
        let options = try ShopOptions.validate(arguments)
        var settings = try RunCommand.consoleSettings(arguments, listen: options.listen.description)
        settings.scenario = scenario
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let logger: Logger
        do throws(LogFileError) {
            logger = Logger(label: "shopdeck", sink: try FileLogSink(path: directory + "/shopdeck.log"))
        } catch {
            throw RuntimeFailure(description: error.description)
        }
        let core = try await ShopRuntime.openCore(directory: directory, options: options, logger: logger) { core in
            core.demoHistory = DemoHistory()
            core.recommendationSchedule = "rate(3 minutes)"
        }
        // The demo takes another port when 8080 is busy rather than failing.
        let served: (server: HTTPServer, address: SocketAddress)
        if arguments.value("--listen") == nil, let preferred = try? await ShopRuntime.listen(core, on: options.listen, logger: logger, closingOnFailure: false) {
            served = preferred
        } else {
            served = try await ShopRuntime.listen(core, on: arguments.value("--listen") == nil ? SocketAddress(ip: options.listen.ip, port: 0) : options.listen,
                                                  logger: logger)
        }
        settings.listen = served.address.description
        let products = core.catalog.all.map(\.id)
        let simulator = Simulator(settings: .init(target: served.address, scenario: scenario, seed: UInt64(seed), products: products,
                                                  hotProduct: products.first { $0.hasPrefix("p") } ?? products[0]))
        let traffic = Task { await simulator.run() }
        let console = ConsoleApp(core: core, settings: settings, onScenario: { _ = simulator.setScenario($0) },
                                 onPause: { simulator.setPaused($0) })
        var failure: TerminalError?
        do throws(TerminalError) {
            try await console.run()
        } catch {
            failure = error
        }
        simulator.stop()
        await traffic.value
        await served.server.shutdown(grace: 2)
        await core.close()
        if let failure { throw RuntimeFailure(description: failure.description) }
        let tally = simulator.tally
        output.out("shopdeck demo stopped: the simulator sent \(tally.requests) requests (\(tally.orders) orders accepted); log in \(directory)/shopdeck.log")
        return ExitCode.success
    }
}
