import Foundation
import Shop

/// `shopdeck tokens rotate --data DIR [--role admin|viewer]`: writes a new token into the data directory and
/// prints it. The shop need not be stopped: it compares each request with the file as it is now, so the old
/// token stops working at the next request.
struct TokensCommand {
    let arguments: ParsedArguments
    let output: any CommandOutput

    func run() throws -> Int32 {
        guard let given = arguments.value("--data") else { throw UsageError(message: "tokens rotate needs --data DIR", command: "tokens") }
        let role = try arguments.choice("--role", from: AccessTokens.Role.allCases.map(\.rawValue), default: "admin")
        let directory = URL(fileURLWithPath: given).standardizedFileURL.path
        guard FileManager.default.fileExists(atPath: directory + "/\(role)-token") else {
            throw RuntimeFailure(description: "no \(role) token in \(directory) (is it a shop's data directory? the shop makes its tokens on first start)")
        }
        do throws(CoreError) {
            let token = try AccessTokens.rotate(AccessTokens.Role(rawValue: role) ?? .admin, directory: directory)
            output.out(token)
            output.err("rotated the \(role) token in \(directory)/\(role)-token; the old one no longer works")
        } catch {
            throw RuntimeFailure(description: error.description)
        }
        return ExitCode.success
    }
}
