import Foundation
import Workflow

/// libFuzzer entry point for schedule expressions (`cron(…)`, `rate(…)`, `at(…)`): parsed or refused, and a
/// parsed schedule's next fires move forward. Built with `-DFUZZING -sanitize=fuzzer` by
/// `assets/fuzz/libfuzzer.sh schedules`; otherwise it replays files.
enum FuzzSchedules {
    static let zone = TimeZone(identifier: "Europe/London") ?? .current

    static func one(_ bytes: [UInt8]) {
        guard let expression = try? ScheduleExpression(parsing: String(decoding: bytes, as: UTF8.self)) else { return }
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        var previous = start
        for _ in 0..<3 {
            guard let next = expression.nextFire(after: previous, start: start, timeZone: zone) else { return }
            precondition(next > previous, "\(expression) fired at \(next), not after \(previous)")
            previous = next
        }
    }
}

/// The entry point: under libFuzzer (`-DFUZZING`) the process is handed to its driver, which calls
/// `one` with each input it makes; otherwise each file named on the command line is replayed.
@main enum MainSchedules {
    static func main() {
        #if FUZZING
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            FuzzSchedules.one(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
            return 0
        })
        #else
        for path in CommandLine.arguments.dropFirst() { FuzzSchedules.one(FileManager.default.contents(atPath: path).map { [UInt8]($0) } ?? []) }
        #endif
    }
}

#if FUZZING
/// libFuzzer's driver, for programs that have a `main` of their own.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32
#endif
