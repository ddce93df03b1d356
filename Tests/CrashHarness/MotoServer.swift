import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// moto on loopback (`assets/aws/moto-serial.py`), one request at a time, for tests of the AWS backend
/// against a peer's semantics. `start()` is nil, with the reason printed, when moto is not installed.
public final class MotoServer: Sendable {
    let child: SpawnedChild
    public let endpoint: URL

    private init(child: SpawnedChild, endpoint: URL) {
        self.child = child
        self.endpoint = endpoint
    }

    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("assets/aws/moto-serial.py").path
    }

    /// Starts moto; `environment` is added to the test's own (`INITIAL_NO_AUTH_ACTION_COUNT` turns on
    /// moto's signature and IAM checking after that many requests).
    public static func start(environment: [String: String] = [:]) throws -> MotoServer? {
        let child = try SpawnedChild("/usr/bin/env", ["python3", script, "--port", "0"],
                                     environment: environment.isEmpty ? nil : ProcessInfo.processInfo.environment.merging(environment) { _, new in new },
                                     killAfterSeconds: 600)
        var text = ""
        while !text.contains("\n"), let piece = child.readOutput() { text += String(decoding: piece, as: UTF8.self) }
        guard let line = text.split(separator: "\n").first, line.hasPrefix("moto-serial listening on "),
              let url = URL(string: String(line.dropFirst("moto-serial listening on ".count))) else {
            kill(child.pid, SIGKILL)
            _ = child.wait()
            print("AWS tests against moto skipped: \(child.errorToEnd().trimmingCharacters(in: .whitespacesAndNewlines))")
            return nil
        }
        // Whatever moto says later (warnings, tracebacks) is read and dropped: a full pipe would stop it.
        for read in [{ child.readOutput() }, { child.readError() }] as [@Sendable () -> [UInt8]?] {
            Thread { while read() != nil {} }.start()
        }
        return MotoServer(child: child, endpoint: url)
    }

    /// `start` on a thread of its own: moto takes a second or more to come up, and the wait must not hold a
    /// thread of the cooperative pool (see `onThread`).
    public static func starting(environment: [String: String] = [:]) async throws -> MotoServer? {
        try await onThread { try start(environment: environment) }
    }

    public func stop() {
        kill(child.pid, SIGTERM)
        _ = child.wait()
    }
}
