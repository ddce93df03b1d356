import Addressing
import Foundation
import HTTP
import Shop

/// Where a command writes.
protocol CommandOutput: Sendable {
    func out(_ text: String)
    func err(_ text: String)
}

/// The process's standard streams.
struct StandardStreams: CommandOutput {
    func out(_ text: String) { FileHandle.standardOutput.write(Data((text + "\n").utf8)) }
    func err(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }
}

/// Exit statuses of design.md.
enum ExitCode {
    static let success: Int32 = 0
    static let failure: Int32 = 1
    static let usage: Int32 = 2
}

/// A command that failed at run time: one line saying why, exit status 1.
struct RuntimeFailure: Error, CustomStringConvertible {
    let description: String
}

/// Parses the command line and runs the command; returns the exit status.
enum CLI {
    static func run(_ arguments: [String], output: any CommandOutput) async -> Int32 {
        do {
            return try await dispatch(arguments, output: output)
        } catch let error as UsageError {
            output.err("shopdeck: \(error.message)")
            output.err(error.command.map { "see 'shopdeck \($0) --help'" } ?? "see 'shopdeck --help'")
            return ExitCode.usage
        } catch let error as RuntimeFailure {
            output.err("shopdeck: \(error.description)")
            return ExitCode.failure
        } catch {
            output.err("shopdeck: \(error)")
            return ExitCode.failure
        }
    }

    private static func dispatch(_ arguments: [String], output: any CommandOutput) async throws -> Int32 {
        guard let first = arguments.first else {
            output.err(Commands.topLevelHelp)
            throw UsageError(message: "no command given", command: nil)
        }
        switch first {
        case "--help", "-h", "help":
            output.out(Commands.topLevelHelp)
            return ExitCode.success
        case "--version", "-V":
            output.out("shopdeck \(Commands.version)")
            return ExitCode.success
        default:
            break
        }
        guard let spec = Commands.all.first(where: { $0.name == first }) else {
            if first.hasPrefix("-") { throw UsageError(message: "unknown option \(first)", command: nil) }
            throw UsageError(message: "unknown command \"\(first)\"", command: nil)
        }
        let parsed = try parse(Array(arguments.dropFirst()), for: spec)
        if parsed.wantsHelp {
            output.out(spec.helpText)
            return ExitCode.success
        }
        switch spec.name {
        case "demo":
            return try await DemoCommand(arguments: parsed, output: output).run()
        case "bench":
            return try await BenchCommand(arguments: parsed, output: output).run()
        case "serve":
            return try await ServeCommand(arguments: parsed, output: output).run()
        case "run":
            return try await RunCommand(arguments: parsed, output: output).run()
        case "repair":
            return try RepairCommand(arguments: parsed, output: output).run()
        case "console":
            return try await ConsoleCommand(arguments: parsed, output: output).run()
        case "tokens":
            return try TokensCommand(arguments: parsed, output: output).run()
        case "waf-eval":
            return try WAFEvalCommand(arguments: parsed, output: output).run()
        default:
            return try RecEvalCommand(arguments: parsed, output: output).run()
        }
    }
}

/// Options shared by demo, run and serve, checked the same way everywhere.
struct ShopOptions {
    var listen: SocketAddress
    var paymentFailureRate: Double
    var trustedProxies: [String]
    /// How long the shop keeps its data: a shop's defaults, or the demo's rolling window (`--keep-minutes`).
    var retention = DataRetention()
    /// The demo's window unless `--keep-minutes` says otherwise.
    static let demoKeptMinutes = 5

    @discardableResult
    static func validate(_ arguments: ParsedArguments) throws(UsageError) -> ShopOptions {
        let listen = try arguments.listenAddress()
        let rate = try arguments.double("--payment-failure-rate", in: 0...1, default: arguments.command == "demo" ? 0.03 : 0)
        let proxies = try arguments.cidrs("--trusted-proxy")
        if arguments.command == "serve" {
            _ = try arguments.choice("--log-format", from: ["text", "json"], default: "text")
            let backend = try arguments.choice("--backend", from: ["embedded", "aws"], default: "embedded")
            if let prefix = arguments.value("--resource-prefix") {
                guard backend == "aws" else { throw arguments.invalid("--resource-prefix", prefix, "it names AWS resources: add --backend aws") }
                guard (1...32).contains(prefix.count), prefix.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                    throw arguments.invalid("--resource-prefix", prefix, "use 1 to 32 letters, digits, '-' or '_'")
                }
            }
            if let scenario = arguments.value("--simulate"), !Commands.scenarios.contains(scenario) {
                throw arguments.invalid("--simulate", scenario, "choose from \(Commands.scenarios.joined(separator: ", "))")
            }
        }
        var options = ShopOptions(listen: listen, paymentFailureRate: rate, trustedProxies: proxies)
        if arguments.command == "demo" {
            let minutes = try arguments.integer("--keep-minutes", in: 0...10_080) ?? demoKeptMinutes
            if minutes > 0 { options.retention = .rollingWindow(seconds: Double(minutes) * 60) }
        }
        return options
    }
}
