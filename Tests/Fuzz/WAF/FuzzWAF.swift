import Foundation
import FuzzEntry
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
        _ = Detectors.inspect(value: bytes, raised: Set(AttackClass.allCases))
        for contentType in ["application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=b", "application/xml"] {
            _ = firewall.inspect(method: "POST", target: target, headers: [("Content-Type", contentType), ("Cookie", target)], body: body,
                                 clientIP: "192.0.2.1")
        }
    }
}

@main enum MainWAF {
    static func main() { FuzzEntry.main(FuzzWAF.one) }
}
