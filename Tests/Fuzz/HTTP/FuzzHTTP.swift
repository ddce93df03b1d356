import Foundation
import FuzzEntry
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

@main enum MainHTTP {
    static func main() { FuzzEntry.main(FuzzHTTP.one) }
}
