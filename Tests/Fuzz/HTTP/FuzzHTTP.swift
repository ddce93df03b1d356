import Foundation
import HTTP

/// libFuzzer entry point for the HTTP request parser: the input fed whole and byte by byte must give the same
/// requests and the same failure (a difference traps, which libFuzzer reports as a crash with the input).
/// Built with `-DFUZZING -sanitize=fuzzer` by `assets/fuzz/libfuzzer.sh http`; otherwise it replays files.
enum FuzzHTTP {
    static func outcomes(_ chunks: [[UInt8]]) -> [String] {
        var limits = HTTPLimits()
        limits.maxRequestLineBytes = 512
        limits.maxHeaderBytes = 1024
        limits.maxBodyBytes = 4096
        var parser = HTTPRequestParser(limits: limits)
        var seen: [String] = []
        for chunk in chunks {
            parser.append(chunk)
            while let event = parser.next() {
                switch event {
                case .request(let request): seen.append("\(request.method) \(request.target) \(request.headers.fields.count) \(request.body.count)")
                case .continueNeeded: continue
                case .failure(let error):
                    precondition((400...599).contains(error.status), "failure status \(error.status)")
                    seen.append("failure \(error.status)")
                    return seen
                }
            }
        }
        return seen
    }

    static func one(_ bytes: [UInt8]) {
        let whole = outcomes([bytes])
        let byByte = outcomes(bytes.map { [$0] })
        precondition(whole == byByte, "the parser answered \(whole) whole and \(byByte) byte by byte")
    }
}

/// The entry point: under libFuzzer (`-DFUZZING`) the process is handed to its driver, which calls
/// `one` with each input it makes; otherwise each file named on the command line is replayed.
@main enum MainHTTP {
    static func main() {
        #if FUZZING
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            FuzzHTTP.one(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
            return 0
        })
        #else
        for path in CommandLine.arguments.dropFirst() { FuzzHTTP.one(FileManager.default.contents(atPath: path).map { [UInt8]($0) } ?? []) }
        #endif
    }
}

#if FUZZING
/// libFuzzer's driver, for programs that have a `main` of their own.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32
#endif
