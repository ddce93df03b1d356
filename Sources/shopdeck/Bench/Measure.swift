import Foundation
import Telemetry
#if canImport(Glibc)
import Glibc
#endif

/// Thrown by a load operation to end its loop early.
struct StopLoad: Error {}

/// Load generation and process measurements for the benchmarks.
enum Measure {
    /// Runs `workers` concurrent loops of `operation` for `seconds` and reports operations per second and latency.
    /// `operation` gets the worker's index and its iteration number; it throws `StopLoad` to end its loop early.
    static func load(workers: Int, seconds: Double,
                     _ operation: @escaping @Sendable (_ worker: Int, _ iteration: Int) async throws -> Void) async throws -> (Double, HistogramSnapshot) {
        let (rate, latency, _) = try await loadMeasuringCPU(workers: workers, seconds: seconds, operation)
        return (rate, latency)
    }

    /// `load`, also reporting the process's CPU time (user + system, all threads) per operation in µs —
    /// a steadier figure than throughput on a machine whose disk speed drifts.
    static func loadMeasuringCPU(workers: Int, seconds: Double,
                                 _ operation: @escaping @Sendable (_ worker: Int, _ iteration: Int) async throws -> Void) async throws -> (Double, HistogramSnapshot, Double) {
        let cpuBefore = processCPUSeconds()
        let histogram = LatencyHistogram()
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start.advanced(by: .milliseconds(Int(seconds * 1000)))
        let total = try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<workers {
                group.addTask {
                    var iteration = 0
                    while clock.now < deadline {
                        let began = clock.now
                        do { try await operation(worker, iteration) } catch is StopLoad { break }
                        histogram.record(clock.now - began)
                        iteration += 1
                    }
                    return iteration
                }
            }
            var sum = 0
            for try await count in group { sum += count }
            return sum
        }
        let elapsed = clock.now - start
        let secondsElapsed = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let cpu = processCPUSeconds() - cpuBefore
        return (Double(total) / secondsElapsed, histogram.snapshot(), total == 0 ? 0 : cpu / Double(total) * 1_000_000)
    }

    /// User plus system CPU time of this process so far, in seconds.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    /// The physical limit the durable-put target is measured against: append `batch` copies of the same
    /// record bytes, fsync, repeat — as ../shared/bench/store-anchors.py does.
    static func fsyncLimit(directory: String, batch: Int, recordBytes: Int, seconds: Double) throws -> Double {
        let path = directory + "/fsync-limit.bin"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw RuntimeFailure(description: "cannot create \(path): \(String(cString: strerror(errno)))") }
        defer {
            close(fd)
            unlink(path)
        }
        var chunk = [UInt8](repeating: 0, count: recordBytes * batch)
        for index in chunk.indices { chunk[index] = UInt8(truncatingIfNeeded: index &* 2_654_435_761 >> 7) }
        let start = Date()
        var records = 0
        while Date().timeIntervalSince(start) < seconds {
            let written = chunk.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
            guard written == chunk.count, fsync(fd) == 0 else { throw RuntimeFailure(description: "write or fsync failed on \(path)") }
            records += batch
        }
        return Double(records) / Date().timeIntervalSince(start)
    }

    /// Peak resident set size of this process, in MB.
    static func peakRSSMegabytes() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    /// Current resident set size of this process (or of `pid`), in MB.
    static func currentRSSMegabytes(pid: Int32? = nil) -> Double {
        let path = pid.map { "/proc/\($0)/statm" } ?? "/proc/self/statm"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Double(fields[1]) else { return 0 }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }
}
