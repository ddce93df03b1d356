import CrashHarness
import Foundation
import Testing
@testable import Telemetry

/// A real fault leaves one line naming the signal on standard error and in the log, then the process dies of
/// it (issue 16: a crash left nothing). `ServeTests` covers signals another process sends to `serve`.
@Suite struct FatalSignalTests {
    @Test(arguments: [("segv", "SIGSEGV"), ("trap", "SIGILL"), ("abort", "SIGABRT"), ("overflow", "SIGSEGV")])
    func aRealFaultLeavesALineNamingTheSignal(_ kind: String, _ signal: String) throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("fatal-\(UUID().uuidString.prefix(8)).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let child = try SpawnedChild(ChildWriter.path, ["fault", kind, log],
                                     environment: ProcessInfo.processInfo.environment.merging(["SWIFT_BACKTRACE": "enable=no"]) { _, new in new })
        let stderr = child.errorToEnd()
        let status = child.wait()
        #expect(status > 128, "exit \(status): it must die of the signal")
        let line = "crash-writer: fatal signal \(signal) ("
        #expect(stderr.contains(line), "\(stderr)")
        #expect((try? String(contentsOfFile: log, encoding: .utf8))?.contains(line) == true)
    }

    @Test func theLineIsFormattedWithoutAllocating() {
        let report = FatalSignalReport.shared
        report.prepare(logDescriptor: nil, json: true, label: "shop")
        let length = report.format(index: 0, seconds: 1_765_000_000, milliseconds: 7)
        let line = String(decoding: UnsafeBufferPointer(start: report.buffer, count: length), as: UTF8.self)
        #expect(line == #"{"ts":"2025-12-06T05:46:40.007Z","level":"error","logger":"shop","msg":"fatal signal SIGSEGV (invalid memory access); the process stops"}"# + "\n")
        report.prepare(logDescriptor: nil, json: false, label: "crash-writer")
    }
}
