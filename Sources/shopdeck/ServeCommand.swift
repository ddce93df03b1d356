import Foundation
import HTTP
import Shop
import Simulator
import Telemetry

/// `shopdeck serve`: the core behind the HTTP server, no terminal needed; logs to stdout.
struct ServeCommand {
    let arguments: ParsedArguments
    let output: any CommandOutput

    /// How long in-flight requests get to finish after SIGINT/SIGTERM.
    static let drainSeconds = 5.0

    func run() async throws -> Int32 {
        let options = try ShopOptions.validate(arguments)
        let format = LogFormat(rawValue: try arguments.choice("--log-format", from: ["text", "json"], default: "text")) ?? .text
        let logger = Logger(label: "shopdeck", format: format, recent: RecentLogLines())
        FatalSignals.install(logDescriptor: STDOUT_FILENO, json: format == .json)
        let directory = URL(fileURLWithPath: arguments.value("--data") ?? "shopdeck-data").standardizedFileURL.path

        let signals = TerminationSignals()
        let remote = arguments.value("--backend") == "aws"
            ? try AWSShopBackend(environment: ProcessInfo.processInfo.environment, prefix: arguments.value("--resource-prefix") ?? "shopdeck-")
            : nil
        let core = try await ShopRuntime.openCore(directory: directory, options: options, logger: logger) { core in
            if let remote { core.backend = remote.backend }
        }
        if let remote { output.out(remote.report()) }
        let served = try await ShopRuntime.listen(core, on: options.listen, logger: logger)
        output.out("shopdeck listening on http://\(served.address) data=\(directory)")
        var simulation: (simulator: Simulator, task: Task<Void, Never>)?
        if let scenario = arguments.value("--simulate") {
            let products = core.catalog.all.map(\.id)
            let simulator = Simulator(settings: .init(target: served.address, scenario: scenario, seed: 1, products: products,
                                                      hotProduct: products.first ?? "p1", adminToken: core.adminToken))
            simulation = (simulator, Task { await simulator.run() })
            logger.info("simulated traffic started", ["scenario": scenario])
        }

        let signal = await signals.next()
        logger.info("received \(signal == SIGINT ? "SIGINT" : "SIGTERM"); finishing requests in flight (at most \(Int(Self.drainSeconds)) s)")
        signals.onRepeat { logger.warning("second signal: exiting without draining") }
        if let simulation {
            simulation.simulator.stop()
            await simulation.task.value
        }
        let report = await served.server.shutdown(grace: Self.drainSeconds)
        if !report.drained { logger.warning("closed \(report.forciblyClosed) connection(s) still busy after \(Int(Self.drainSeconds)) s") }
        await core.close()
        logger.info("stopped")
        return ExitCode.success
    }
}

extension SocketError {
    /// The cause without the operation, for "cannot listen on …: address already in use".
    var cause: String {
        guard let colon = description.range(of: ": ") else { return description }
        return String(description[colon.upperBound...])
    }
}
