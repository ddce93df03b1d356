import Console
import Foundation
import Shop
import Telemetry

/// `shopdeck run`: the core behind its HTTP server, with the operator console in the terminal. Logs go to
/// `DIR/shopdeck.log`, not over the screen.
struct RunCommand {
    let arguments: ParsedArguments
    let output: any CommandOutput

    func run() async throws -> Int32 {
        let options = try ShopOptions.validate(arguments)
        let settings = try Self.consoleSettings(arguments)
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw RuntimeFailure(description: "run: the operator console needs a terminal (standard input and output must be a TTY); 'shopdeck serve' runs the core without one")
        }
        let directory = URL(fileURLWithPath: arguments.value("--data") ?? "shopdeck-data").standardizedFileURL.path
        let logger = try ShopRuntime.fileLogger(directory: directory)
        let core = try await ShopRuntime.openCore(directory: directory, options: options, logger: logger)
        let served = try await ShopRuntime.listen(core, on: options.listen, logger: logger)
        let outcome: TerminalError?
        do throws(TerminalError) {
            try await ConsoleApp(source: InProcessDashboard(core: core, listening: served.address.description), settings: settings).run()
            outcome = nil
        } catch {
            outcome = error
        }
        await served.server.shutdown(grace: 2)
        await core.close()
        if let outcome { throw RuntimeFailure(description: outcome.description) }
        output.out("shopdeck stopped; data in \(directory), log in \(directory)/shopdeck.log")
        return ExitCode.success
    }

    /// Refresh interval, colour (off with --no-color or NO_COLOR) and ASCII drawing (when the locale is not UTF-8).
    static func consoleSettings(_ arguments: ParsedArguments) throws(UsageError) -> ConsoleApp.Settings {
        let refresh = try arguments.double("--refresh", in: 0.25...10, default: 1)
        let environment = ProcessInfo.processInfo.environment
        let noColour = arguments.flag("--no-color") || !(environment["NO_COLOR"] ?? "").isEmpty
        let locale = environment["LC_ALL"] ?? environment["LC_CTYPE"] ?? environment["LANG"] ?? ""
        let utf8 = locale.uppercased().contains("UTF-8") || locale.uppercased().contains("UTF8")
        return ConsoleApp.Settings(refreshSeconds: refresh, colour: !noColour, ascii: !utf8)
    }
}
