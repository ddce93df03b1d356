import Console
import Dashboard
import Foundation

/// `shopdeck console --connect URL [--token-file FILE] [--read-only] [--refresh S] [--no-color]`: the
/// operator console attached to a shop running elsewhere (`serve` under a service manager, reached
/// directly or through an SSH tunnel) over its admin API. The shop runs on whether consoles come or go.
struct ConsoleCommand {
    let arguments: ParsedArguments
    let output: any CommandOutput

    func run() async throws -> Int32 {
        guard let text = arguments.value("--connect") else { throw UsageError(message: "console needs --connect URL", command: "console") }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil else {
            throw UsageError(message: "invalid value \"\(text)\" for --connect: expected http://HOST:PORT or https://HOST:PORT", command: "console")
        }
        let token = try Self.token(arguments)
        var settings = try RunCommand.consoleSettings(arguments)
        settings.scenario = nil
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw RuntimeFailure(description: "console: the operator console needs a terminal (standard input and output must be a TTY)")
        }
        let source = RemoteDashboard(base: url, token: token, readOnly: arguments.flag("--read-only"),
                                     timeoutSeconds: max(2, settings.refreshSeconds * 3))
        do throws(TerminalError) {
            try await ConsoleApp(source: source, settings: settings).run()
        } catch {
            throw RuntimeFailure(description: error.description)
        }
        return ExitCode.success
    }

    /// The token from `--token-file`, else `$SHOPDECK_TOKEN`.
    static func token(_ arguments: ParsedArguments) throws -> String {
        if let path = arguments.value("--token-file") {
            guard let contents = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw RuntimeFailure(description: "cannot read the token file \(path)")
            }
            let token = contents.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else { throw RuntimeFailure(description: "the token file \(path) is empty") }
            return token
        }
        if let token = ProcessInfo.processInfo.environment["SHOPDECK_TOKEN"]?.trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty {
            return token
        }
        throw UsageError(message: "console needs a token: --token-file FILE (the shop's admin-token or viewer-token) or SHOPDECK_TOKEN", command: "console")
    }
}
