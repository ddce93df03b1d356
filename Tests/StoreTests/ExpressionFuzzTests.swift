import FuzzSupport
import Testing
@testable import Store

/// Seeded fuzzing of the DynamoDB expression parser (issue 16): hostile condition and update expressions
/// are refused with a validation error, never a crash, and nesting is bounded.
@Suite struct ExpressionFuzzTests {
    static let pieces = [" AND ", " OR ", "NOT ", "(", ")", "attribute_exists(", "attribute_not_exists(", "begins_with(", "contains(", "size(",
                         "attribute_type(", " BETWEEN ", " IN (", ",", " = ", " <> ", " < ", " >= ", ":v", ":n", "#n", "#missing", ":missing",
                         "stock", "a.b", "a[0]", "a[99999999999999999999]", "SET ", "REMOVE ", "ADD ", "DELETE ", " + ", " - ", "if_not_exists(",
                         "list_append(", "a", "b", "1", "'", "\"", "[", "]", ".", "#", ":"]

    @Test func conditionAndUpdateExpressionsAreParsedOrRefusedNeverCrash() {
        let names = ["#n": "name"]
        let values: [String: AttributeValue] = [":v": .number(1), ":n": .string("x")]
        Fuzz.run("store expressions", defaultCases: 4000) { generator, index in
            let text = generator.string(pieces: Self.pieces, maximum: generator.chance(0.05) ? 20_000 : 300)
            do throws(StoreError) {
                _ = try Condition(parsing: text, names: names, values: values)
            } catch {
                guard case .expression = error else { Issue.record("case \(index): \(error)"); return }
            }
            do throws(StoreError) {
                _ = try UpdateExpression(parsing: text, names: names, values: values)
            } catch {
                guard case .expression = error else { Issue.record("case \(index): \(error)"); return }
            }
        }
    }

    @Test func deepNestingIsRefusedWithoutRecursingPastTheLimit() {
        for depth in [65, 1000, 100_000] {
            let text = String(repeating: "(", count: depth) + "a = :v" + String(repeating: ")", count: depth)
            #expect(throws: StoreError.self) { try Condition(parsing: text, values: [":v": .number(1)]) }
            let negations = String(repeating: "NOT ", count: depth) + "a = :v"
            #expect(throws: StoreError.self) { try Condition(parsing: negations, values: [":v": .number(1)]) }
        }
    }
}
