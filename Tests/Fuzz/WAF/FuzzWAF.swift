import Foundation
import WAF

/// libFuzzer entry point for the WAF: the input is a request (its first line the target, the rest the body)
/// through the whole firewall, and each detector over the raw bytes. Built with `-DFUZZING
/// -sanitize=fuzzer` by `assets/fuzz/libfuzzer.sh waf`; in a normal build it replays files given as arguments.
enum FuzzWAF {
    static let firewall = WebApplicationFirewall()

    static func one(_ bytes: [UInt8]) {
        _ = Detectors.inspect(value: bytes)
        let newline = bytes.firstIndex(of: 0x0A) ?? bytes.count
        let target = "/api/" + String(decoding: bytes[..<newline], as: UTF8.self)
        let body = newline < bytes.count ? Array(bytes[(newline + 1)...]) : []
        for contentType in ["application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=b"] {
            _ = firewall.inspect(method: "POST", target: target, headers: [("Content-Type", contentType), ("Cookie", target)], body: body,
                                 clientIP: "192.0.2.1")
        }
    }
}

/// The entry point: under libFuzzer (`-DFUZZING`) the process is handed to its driver, which calls
/// `one` with each input it makes; otherwise each file named on the command line is replayed.
@main enum MainWAF {
    static func main() {
        #if FUZZING
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            FuzzWAF.one(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
            return 0
        })
        #else
        for path in CommandLine.arguments.dropFirst() { FuzzWAF.one(FileManager.default.contents(atPath: path).map { [UInt8]($0) } ?? []) }
        #endif
    }
}

#if FUZZING
/// libFuzzer's driver, for programs that have a `main` of their own.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32
#endif
