import Foundation
import Store

/// libFuzzer entry point for the store's DynamoDB expression parser: condition and update expressions are
/// parsed or refused, never a crash. Built with `-DFUZZING -sanitize=fuzzer` by
/// `assets/fuzz/libfuzzer.sh expressions`; otherwise it replays files.
enum FuzzExpressions {
    static func one(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        let values: [String: AttributeValue] = [":v": .number(1), ":n": .string("x")]
        _ = try? Condition(parsing: text, names: ["#n": "name"], values: values)
        _ = try? UpdateExpression(parsing: text, names: ["#n": "name"], values: values)
    }
}

/// The entry point: under libFuzzer (`-DFUZZING`) the process is handed to its driver, which calls
/// `one` with each input it makes; otherwise each file named on the command line is replayed.
@main enum MainExpressions {
    static func main() {
        #if FUZZING
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            FuzzExpressions.one(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
            return 0
        })
        #else
        for path in CommandLine.arguments.dropFirst() { FuzzExpressions.one(FileManager.default.contents(atPath: path).map { [UInt8]($0) } ?? []) }
        #endif
    }
}

#if FUZZING
/// libFuzzer's driver, for programs that have a `main` of their own.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32
#endif
