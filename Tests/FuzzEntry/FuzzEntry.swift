import Foundation

/// The one `main` of every libFuzzer entry point (`Tests/Fuzz/*`): built with `-DFUZZING` (by
/// `assets/fuzz/libfuzzer.sh`) it hands the process to libFuzzer's driver, which calls `one` with each input
/// it makes; otherwise it replays each file named on the command line, to reproduce a crash.
public enum FuzzEntry {
    public static func main(_ one: @escaping ([UInt8]) -> Void) -> Never {
        #if FUZZING
        FuzzTarget.one = one
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            FuzzTarget.one?(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
            return 0
        })
        #else
        for path in CommandLine.arguments.dropFirst() { one(FileManager.default.contents(atPath: path).map { [UInt8]($0) } ?? []) }
        exit(0)
        #endif
    }
}

#if FUZZING
/// The function under test, for the C callback libFuzzer calls (which can capture nothing).
enum FuzzTarget {
    /// `nonisolated(unsafe)`: written once in `FuzzEntry.main` before the driver starts, then only read, by
    /// libFuzzer's single fuzzing thread.
    nonisolated(unsafe) static var one: (([UInt8]) -> Void)?
}

/// libFuzzer's driver, for programs with a `main` of their own.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32
#endif
