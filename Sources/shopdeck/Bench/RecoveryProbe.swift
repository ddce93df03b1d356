import Foundation
import Store

/// Times a store's recovery in a fresh process, so the memory figure is recovery's alone and not what
/// the benchmark's earlier phases left in the allocator.
///
/// The benchmark runs its own executable with `SHOPDECK_RECOVERY_PROBE=DIR`; `main` sees the variable,
/// calls `runInChild`, and the child prints one line: seconds, records replayed, live bytes, resident MB.
enum RecoveryProbe {
    static let environmentKey = "SHOPDECK_RECOVERY_PROBE"

    struct Result {
        var seconds: Double
        var records: Int
        var liveBytes: Int
        var rssMegabytes: Double
    }

    static func measure(directory: String) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        process.environment = ProcessInfo.processInfo.environment.merging([environmentKey: directory]) { _, new in new }
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let fields = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isWhitespace).compactMap { Double($0) }
        guard process.terminationStatus == 0, fields.count == 4 else {
            throw RuntimeFailure(description: "the recovery probe failed: \(String(decoding: data, as: UTF8.self))")
        }
        return Result(seconds: fields[0], records: Int(fields[1]), liveBytes: Int(fields[2]), rssMegabytes: fields[3])
    }

    /// The child's side: open, report, close without touching the journal.
    static func runInChild(directory: String) async -> Int32 {
        var options = StoreOptions()
        options.maintenanceIntervalSeconds = nil
        options.snapshotMinimumJournalBytes = Int.max
        let started = Date()
        do {
            let store = try Store(directory: directory, options: options)
            let seconds = Date().timeIntervalSince(started)
            let stats = store.stats
            print(seconds, store.recoveryReport.recordsReplayed, stats.liveBytes, Measure.currentRSSMegabytes())
            await store.closeWithoutSnapshot()
            return 0
        } catch {
            print("error: \(error)")
            return 1
        }
    }
}
