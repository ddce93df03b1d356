/// SQL conditions as injected code writes them: a connector (`AND`, `OR`, `XOR`, `&&`, `||`, `NOT`) followed
/// by a whole condition built only of SQL — `AND 5819=7655`, `OR (SELECT 'a' FROM dual)='a'`,
/// `AND MAKE_SET(5=5,3)`, `OR 2^3=8`, `AND 3 IN (SELECT …)`, `OR NULL IS NULL`. This is the family sqlmap's
/// boolean-blind, error-based and time-based techniques share whatever the boundary (`'`, `)`, `*/`, `$$`,
/// `%'` …) and whatever the database dialect, so it is recognised by its grammar rather than by the names
/// of functions: an operand is a literal, `NULL`/`TRUE`/`FALSE`, a variable, a call whose arguments hold
/// SQL, or a parenthesised expression or subquery. Prose fails the grammar: in "salt and pepper (coarse)"
/// or "size and color=red" the words are not operands.
extension SQLInjectionDetector {
    static let arithmetic: Set<String> = ["+", "-", "*", "/", "%", "^", "|", "&", "div", "mod", "~", "\\"]
    static let literalWords: Set<String> = ["null", "true", "false"]
    /// `-`, `+`, `~` or `!`: one byte, compared as a byte.
    static func isUnary(_ token: SQLToken) -> Bool {
        let bytes = token.text.utf8
        guard bytes.count == 1, let byte = bytes.first else { return false }
        return byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "~") || byte == UInt8(ascii: "!")
    }

    /// The condition after the connector at `i`, if it is made only of SQL.
    static func connectorCondition(_ t: [SQLToken], at i: Int) -> Finding? {
        // Byte checks before string sets: this runs at every `||`/`&&` of `|||…`, so its misses must be cheap.
        guard i + 1 < t.count, t[i + 1].kind != .op || isUnary(t[i + 1]), t[i + 1].kind != .comment, t[i + 1].kind != .rightParen else { return nil }
        var j = i + 1
        if j < t.count, t[j].kind == .word, t[j].text == "not" { j += 1 }
        if j < t.count, t[j].kind == .op, t[j].text == "!" { j += 1 }
        guard let left = expression(t, from: j) else { return nil }
        // A call or a subquery on its own is a condition (`AND SLEEP(5)`, `OR (SELECT …)`).
        if left.isCallOrSubquery, left.end >= t.count || !isComparison(t, left.end) { return Finding(rule: .sqlCondition, shape: "sql condition", offset: t[i].start) }
        // `OR 2+/*`: an expression cut off by a comment (a dialect probe).
        if left.end + 1 < t.count, t[left.end].kind == .op, arithmetic.contains(t[left.end].text), t[left.end + 1].kind == .comment,
           t[left.end + 1].text.hasPrefix("/*") || t[left.end + 1].text.hasPrefix("--") || t[left.end + 1].text == "#" {
            return Finding(rule: .sqlCondition, shape: "sql condition", offset: t[i].start)
        }
        guard isComparison(t, left.end) else {
            // `OR 1--` / `AND NULL;` ending the statement. Not at the value's end: `"foo" AND "bar"` and
            // `1950 or 1960` are how people search.
            if left.isLiteral, left.end < t.count, [.comment, .semicolon].contains(t[left.end].kind), !t[left.end].text.hasSuffix("…") || i > 0 {
                return Finding(rule: .sqlCondition, shape: "sql condition", offset: t[i].start)
            }
            return nil
        }
        var k = left.end
        let comparison = t[k].text
        k += 1
        if comparison == "is" {
            if k < t.count, t[k].text == "not" { k += 1 }
            return k < t.count && literalWords.contains(t[k].text) ? Finding(rule: .sqlCondition, shape: "sql condition", offset: t[i].start) : nil
        }
        if comparison == "sounds", k < t.count, t[k].text == "like" { k += 1 }
        if comparison == "not", k < t.count, ["like", "in", "between", "regexp", "rlike"].contains(t[k].text) { k += 1 }
        // `=` then a second `=`-style operator: `1^=2` lexes as `^` `=`.
        if k < t.count, t[k].kind == .op, t[k].text == "=" { k += 1 }
        guard let right = expression(t, from: k) else { return nil }
        // Two plain literals compared (`AND 5819=7655`, `OR 'a'='b'`): code when the comparison ends the
        // value or the statement, or another connector or a closing parenthesis follows — not "1 or 2 = 3 items".
        if !left.isSQL, !right.isSQL {
            let after = right.end
            let ends = after >= t.count || [.comment, .semicolon, .rightParen, .strayQuote].contains(t[after].kind)
                || booleans.contains(t[after].text) || (t[after].kind == .op && ["*", "/"].contains(t[after].text))
            guard ends else { return nil }
        }
        return Finding(rule: .sqlCondition, shape: "sql condition", offset: t[i].start)
    }

    /// `CASE WHEN 1=1 THEN …` and `IIF(1=1, …)`/`IF(1=1, …)`: a condition on literals choosing a value —
    /// the core of boolean-blind payloads that ride inside a value (`,(CASE WHEN …)`, `;SELECT (CASE …`).
    static func conditionalExpression(_ t: [SQLToken], at i: Int) -> Finding? {
        let text = t[i].text
        if text == "case", i + 1 < t.count, t[i + 1].kind == .word, t[i + 1].text == "when" {
            let limit = min(t.count, i + lookAhead)
            var sawComparison = false
            for k in (i + 2)..<max(i + 2, limit) {
                if isComparison(t, k) { sawComparison = true }
                if t[k].kind == .word, t[k].text == "then" { return sawComparison ? Finding(rule: .sqlCondition, shape: "conditional expression (case)", offset: t[i].start) : nil }
            }
            return nil
        }
        // A call whose first argument compares two literals, then goes on to a second argument.
        guard i + 6 < t.count, t[i + 1].kind == .leftParen else { return nil }
        var k = i + 2
        while k < min(t.count, i + 5), t[k].kind == .leftParen { k += 1 }
        guard k + 3 < t.count, [.number, .string].contains(t[k].kind), t[k + 1].kind == .op, comparisons.contains(t[k + 1].text),
              [.number, .string].contains(t[k + 2].kind) else { return nil }
        var m = k + 3
        while m < min(t.count, k + 6), t[m].kind == .rightParen { m += 1 }
        guard m < t.count, t[m].kind == .comma else { return nil }
        return Finding(rule: .sqlCondition, shape: "conditional expression (\(text))", offset: t[i].start)
    }

    static func isComparison(_ t: [SQLToken], _ index: Int) -> Bool {
        guard index < t.count else { return false }
        let token = t[index]
        if token.kind == .op { return comparisons.contains(token.text) || token.text == "^" }
        return token.kind == .word && (comparisons.contains(token.text) || token.text == "not")
    }

    /// An operand, then any arithmetic with more operands: where it ends, whether it is a lone literal, and
    /// whether it holds a call or a subquery.
    struct Operand {
        var end: Int
        var isLiteral: Bool
        var isCallOrSubquery: Bool
        /// Not just one plain literal: arithmetic, a call, a subquery, a variable.
        var isSQL: Bool
    }

    static func expression(_ t: [SQLToken], from start: Int) -> Operand? {
        guard var result = operand(t, from: start) else { return nil }
        var steps = 0
        while result.end + 1 < t.count, result.end < start + lookAhead, steps < lookAhead, t[result.end].kind == .op || t[result.end].kind == .word,
              arithmetic.contains(t[result.end].text) {
            guard let next = operand(t, from: result.end + 1) else { break }
            result = Operand(end: next.end, isLiteral: false, isCallOrSubquery: result.isCallOrSubquery || next.isCallOrSubquery, isSQL: true)
            steps += 1
        }
        return result
    }

    /// One operand at `start`: a literal, a variable, `-n`, a call with SQL in its arguments, a CASE, or a
    /// parenthesised group (expression or subquery), read over at most `lookAhead` tokens.
    static func operand(_ t: [SQLToken], from start: Int) -> Operand? {
        guard start < t.count else { return nil }
        let token = t[start]
        switch token.kind {
        case .number, .string:
            return Operand(end: start + 1, isLiteral: true, isCallOrSubquery: false, isSQL: false)
        case .variable:
            return Operand(end: start + 1, isLiteral: false, isCallOrSubquery: false, isSQL: true)
        case .op where isUnary(token):
            // Signs before an operand, at most three (a loop, not recursion: `-----…` must not nest calls).
            var next = start + 1
            while next < min(t.count, start + 3), t[next].kind == .op, isUnary(t[next]) { next += 1 }
            guard next < t.count, t[next].kind != .op, let inner = operand(t, from: next) else { return nil }
            return Operand(end: inner.end, isLiteral: inner.isLiteral, isCallOrSubquery: inner.isCallOrSubquery, isSQL: inner.isSQL)
        case .leftParen:
            guard let close = closingParen(t, from: start) else { return nil }
            let inside = t[(start + 1)..<close]
            let subquery = inside.first?.kind == .word && inside.first?.text == "select"
            let sqlInside = subquery || inside.contains { [.number, .string, .variable].contains($0.kind) || literalWords.contains($0.text) }
            guard sqlInside else { return nil }
            return Operand(end: close + 1, isLiteral: false, isCallOrSubquery: subquery, isSQL: true)
        case .word:
            if literalWords.contains(token.text) { return Operand(end: start + 1, isLiteral: true, isCallOrSubquery: false, isSQL: false) }
            if token.text == "case" {
                // CASE … END, bounded.
                let limit = min(t.count, start + lookAhead)
                guard let end = (start + 1..<limit).first(where: { t[$0].kind == .word && t[$0].text == "end" }) else { return nil }
                return Operand(end: end + 1, isLiteral: false, isCallOrSubquery: true, isSQL: true)
            }
            if token.text == "select" {
                return Operand(end: min(t.count, start + lookAhead), isLiteral: false, isCallOrSubquery: true, isSQL: true)
            }
            guard start + 1 < t.count, t[start + 1].kind == .leftParen, let close = closingParen(t, from: start + 1) else { return nil }
            let known = sqlFunctions.contains(token.text) || timeFunctions.contains(token.text) || attackFunctions.contains(token.text)
            let arguments = t[(start + 2)..<close]
            let sqlArguments = arguments.isEmpty
                || arguments.contains { [.number, .string, .variable, .comma, .leftParen].contains($0.kind) || literalWords.contains($0.text) }
            guard known || sqlArguments else { return nil }
            return Operand(end: close + 1, isLiteral: false, isCallOrSubquery: true, isSQL: true)
        default:
            return nil
        }
    }

    /// The `)` closing the `(` at `open`, within `lookAhead` tokens.
    static func closingParen(_ t: [SQLToken], from open: Int) -> Int? {
        var depth = 0
        let limit = min(t.count, open + lookAhead)
        var index = open
        while index < limit {
            if t[index].kind == .leftParen { depth += 1 }
            if t[index].kind == .rightParen {
                depth -= 1
                if depth == 0 { return index }
            }
            index += 1
        }
        return nil
    }
}
