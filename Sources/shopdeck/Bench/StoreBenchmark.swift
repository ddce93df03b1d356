import Foundation
import Journal
import Store
import Telemetry

/// `shopdeck bench store`: durable puts at 1, 8 and 64 writers, hot-item conditional decrements, gets,
/// queries, recovery of a large journal, and the fsync limit measured beside them.
struct StoreBenchmark {
    let directory: String
    let quick: Bool

    var seconds: Double { quick ? 1 : 5 }
    /// Journal size for the recovery figure (issue: 1 GB; quick: 64 MB).
    var recoveryJournalBytes: Int { quick ? 64 << 20 : 1 << 30 }

    static let table = TableSchema(name: "bench", partitionKey: KeyAttribute("id", .string))
    static let queryTable = TableSchema(name: "timeline", partitionKey: KeyAttribute("user", .string), sortKey: KeyAttribute("at", .number))
    /// Payload that makes one put a ~200-byte journal record, like the anchor's records.
    static let payload = String(repeating: "x", count: 150)

    func run(progress: (String) -> Void) async throws -> BenchReport {
        var report = BenchReport(bench: "store")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)

        var options = StoreOptions()
        options.maintenanceIntervalSeconds = nil
        let store = try Store(directory: directory + "/store", options: options)
        try await store.createTable(Self.table)
        var limits: [Double] = []
        for writers in [1, 8, 64] {
            if writers == 64 {
                // The limit drifts by tens of percent within a minute here, so it is measured right before
                // and right after the 64-writer run and reported as their mean.
                progress("fsync limit")
                limits.append(try Measure.fsyncLimit(directory: directory, batch: 64, recordBytes: 200, seconds: seconds))
            }
            progress("put, \(writers) writers")
            let before = store.stats.journal
            let (rate, latency, cpu) = try await Measure.loadMeasuringCPU(workers: writers, seconds: seconds) { worker, iteration in
                try await store.put("bench", ["id": .string("w\(writers)-\(worker)-\(iteration)"), "payload": .string(Self.payload)])
            }
            report.results.append(BenchResult(name: "put", params: [("writers", "\(writers)")], opsPerSecond: rate, latency: latency,
                                              extra: Self.batching(from: before, to: store.stats.journal)
                                                  + [("cpu_us_per_op", cpu), ("max_us", Double(latency.maxMicroseconds))]))
        }
        progress("fsync limit")
        limits.append(try Measure.fsyncLimit(directory: directory, batch: 64, recordBytes: 200, seconds: seconds))
        report.results.insert(BenchResult(name: "fsync_limit", params: [("batch", "64"), ("record_bytes", "200")],
                                          opsPerSecond: limits.reduce(0, +) / Double(limits.count),
                                          extra: [("before", limits[0]), ("after", limits[1])]), at: 0)

        progress("hot-item conditional decrement")
        let beforeDecrements = store.stats.journal
        try await store.put("bench", ["id": "hot", "stock": .number(Number(Int64(1) << 50))])
        // Built once, as an application would: the benchmark measures the store, not expression construction.
        let decrement = UpdateExpression().add("stock", -1)
        let inStock = Condition.compare("stock", .greater, 0)
        let hotKey: Item = ["id": "hot"]
        let (decrements, decrementLatency, decrementCPU) = try await Measure.loadMeasuringCPU(workers: 64, seconds: seconds) { _, _ in
            try await store.update("bench", key: hotKey, decrement, condition: inStock)
        }
        report.results.append(BenchResult(name: "conditional_decrement", params: [("writers", "64"), ("items", "1")],
                                          opsPerSecond: decrements, latency: decrementLatency,
                                          extra: Self.batching(from: beforeDecrements, to: store.stats.journal)
                                              + [("cpu_us_per_op", decrementCPU), ("max_us", Double(decrementLatency.maxMicroseconds))]))

        progress("get")
        let (gets, getLatency) = try await Measure.load(workers: 8, seconds: seconds) { worker, iteration in
            _ = try await store.get("bench", key: ["id": .string("w64-\((worker * 7 + iteration) % 64)-\(iteration % 100)")])
        }
        report.results.append(BenchResult(name: "get", params: [("readers", "8")], opsPerSecond: gets, latency: getLatency))

        progress("query")
        try await store.createTable(Self.queryTable)
        for user in 0..<100 {
            try await store.transactWrite((0..<100).map { at in
                .put(table: "timeline", item: ["user": .string("u\(user)"), "at": .number(at), "payload": .string(Self.payload)])
            })
        }
        let (queries, queryLatency) = try await Measure.load(workers: 8, seconds: seconds) { worker, iteration in
            _ = try await store.query("timeline", QueryRequest(partitionKey: .string("u\((worker + iteration) % 100)"),
                                                               sortKey: .greaterThanOrEqual(.number(iteration % 90)), limit: 10))
        }
        report.results.append(BenchResult(name: "query", params: [("readers", "8"), ("limit", "10")], opsPerSecond: queries, latency: queryLatency))
        let journalStats = store.stats.journal
        report.notes.append(String(format: "journal: %d records in %d fsyncs (%.1f per fsync, largest batch %d)",
                                   journalStats.recordsWritten, journalStats.fsyncCount, journalStats.averageBatch, journalStats.largestBatch))
        await store.closeWithoutSnapshot()

        progress("recovery of a \(recoveryJournalBytes >> 20) MB journal")
        report.results.append(try await recovery())
        return report
    }

    /// Records per fsync and mean fsync time over a phase: what group commit achieved.
    static func batching(from before: JournalStats, to after: JournalStats) -> [(String, Double)] {
        let syncs = after.fsyncCount - before.fsyncCount
        guard syncs > 0 else { return [] }
        return [("records_per_fsync", Double(after.recordsWritten - before.recordsWritten) / Double(syncs)),
                ("fsync_us", Double(after.syncNanoseconds - before.syncNanoseconds) / Double(syncs) / 1000)]
    }

    /// Writes a journal of `recoveryJournalBytes` (overwriting a bounded key space, so live data stays a tenth
    /// of the history), then times opening it in a fresh process and reads that process's memory use.
    private func recovery() async throws -> BenchResult {
        let path = directory + "/recovery"
        var options = StoreOptions()
        options.maintenanceIntervalSeconds = nil
        options.snapshotMinimumJournalBytes = Int.max
        let store = try Store(directory: path, options: options)
        try await store.createTable(Self.table)
        let itemPayload = String(repeating: "r", count: 1000)
        let keySpace = recoveryJournalBytes / 10 / 1100
        let target = recoveryJournalBytes
        _ = try await Measure.load(workers: 32, seconds: 3600) { worker, iteration in
            guard store.stats.journal.bytesWritten < target else { throw StopLoad() }
            let base = (worker * 1_000_003 + iteration * 25)
            try await store.transactWrite((0..<25).map { offset in
                .put(table: "bench", item: ["id": .string("k\((base + offset) % keySpace)"), "payload": .string(itemPayload)])
            })
        }
        let journalBytes = store.stats.journal.bytesWritten
        await store.closeWithoutSnapshot()
        let probe = try RecoveryProbe.measure(directory: path)
        return BenchResult(name: "recovery", params: [("journal_mb", "\(journalBytes >> 20)")],
                           opsPerSecond: Double(probe.records) / probe.seconds,
                           extra: [("mb_per_s", Double(journalBytes) / 1_048_576 / probe.seconds), ("seconds", probe.seconds),
                                   ("live_mb", Double(probe.liveBytes) / 1_048_576), ("rss_after_mb", probe.rssMegabytes)])
    }
}
