import Foundation
import FuzzEntry
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

@main enum MainExpressions {
    static func main() { FuzzEntry.main(FuzzExpressions.one) }
}
