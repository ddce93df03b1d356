/// What a detector found: the rule that matched, the concrete shape it recognised (`time-based (sleep)`)
/// and where in the value (byte offset of the evidence).
public struct Finding: Sendable, Equatable {
    public var rule: DetectionRule
    public var shape: String
    public var offset: Int
}

/// SQL injection, recognised from the token stream a SQL lexer would see rather than from keywords: the
/// value is lexed as it stands and, when it holds a quote, as if it sat inside a string the application
/// quoted (so `x' OR 'a'='a` is read the way the database would). Shapes: UNION-based reads, tautologies
/// and boolean probes after a break-out, stacked queries, comment truncation, time-based and error-based
/// functions, catalogue reads. Words alone ("select wine", "drop earrings", "O'Reilly") never match.
public enum SQLInjectionDetector {
    static let statementStarts: Set<String> = ["select", "insert", "update", "delete", "drop", "create", "alter", "exec", "execute",
                                               "declare", "shutdown", "truncate", "desc", "describe", "show", "grant", "revoke",
                                               "waitfor", "call", "merge", "replace", "load", "use", "set", "begin", "if"]
    static let timeFunctions: Set<String> = ["sleep", "benchmark", "pg_sleep", "dbms_lock.sleep", "dbms_pipe.receive_message", "dbms_session.sleep", "randomblob",
                                             "sys.dbms_lock.sleep"]
    static let attackFunctions: Set<String> = ["extractvalue", "updatexml", "load_file", "utl_inaddr.get_host_address", "utl_http.request",
                                               "xp_cmdshell", "sp_executesql", "dbms_xmlgen.getxml", "ctxsys.drithsx.sn", "make_set",
                                               "geometrycollection", "multipoint", "polygon", "exp", "name_const", "row_count", "gtid_subset",
                                               "json_keys", "xmltype", "sys.fn_sqlvarbasetostr", "master..xp_cmdshell"]
    static let sqlFunctions: Set<String> = ["concat", "concat_ws", "group_concat", "char", "chr", "nchar", "substring", "substr", "mid",
                                            "ascii", "ord", "hex", "unhex", "version", "database", "user", "current_user", "system_user",
                                            "session_user", "schema", "cast", "convert", "count", "floor", "rand", "length", "if", "iif",
                                            "ifnull", "isnull", "coalesce", "md5", "sha1", "lower", "upper", "instr", "db_name", "user_name",
                                            "table_name", "column_name", "case", "nvl", "elt", "bin", "now", "sysdate", "current_database", "exists"]
    static let catalogueWords: Set<String> = ["information_schema", "information_schema.tables", "information_schema.columns", "sysobjects",
                                              "syscolumns", "pg_catalog", "mysql.user", "sys.tables", "sqlite_master", "all_tables",
                                              "user_tables", "pg_shadow", "master.dbo.sysdatabases", "msysobjects", "dual"]
    /// Every word a shape in `inspect(tokens:)` can start at.
    static let shapeWords: Set<String> = statementStarts.union(timeFunctions).union(attackFunctions).union(sqlFunctions)
        .union(catalogueWords).union(booleans).union(["union", "into", "procedure", "having", "where", "order", "group", "execute", "declare"])

    /// Whether a word is one a shape starts with (`shapeWords`, or a stored procedure's prefix). Cheap byte
    /// checks first: this runs for every word of every inspected value.
    static func mayStartShape(_ text: String) -> Bool {
        let bytes = text.utf8
        guard bytes.count >= 2, let first = bytes.first, shapeWordFirstBytes[Int(first)] else { return false }
        return shapeWords.contains(text) || text.hasPrefix("xp_") || text.hasPrefix("sp_") || text.hasPrefix("master..xp_")
    }

    /// First bytes of `shapeWords` and of the stored-procedure prefixes.
    static let shapeWordFirstBytes: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        for word in shapeWords { table[Int(word.utf8.first ?? 0)] = true }
        for byte in "xsm".utf8 { table[Int(byte)] = true }
        return table
    }()

    /// Token positions where code may start, as a bit per token rather than a hashed set.
    struct CodeStarts {
        private var flags: [Bool]

        init(count: Int) {
            flags = [Bool](repeating: false, count: count + 1)
            flags[0] = true
        }

        mutating func insert(_ index: Int) { if index < flags.count { flags[index] = true } }
        func contains(_ index: Int) -> Bool { index < flags.count && flags[index] }
    }

    /// How many tokens a shape may look ahead over a call's arguments. Every shape reads a bounded window
    /// from where it starts, so inspecting a value costs time linear in its length whatever it holds.
    static let lookAhead = 64

    static let comparisons: Set<String> = ["=", "<", ">", "<=", ">=", "<>", "!=", "<=>", "==", "like", "is", "in", "between", "regexp", "rlike", "sounds", "glob"]
    static let booleans: Set<String> = ["or", "and", "xor", "||", "&&", "not"]

    /// The first injection shape in `value` (already URL- and NUL-decoded), if any.
    public static func inspect(_ value: [UInt8]) -> Finding? {
        guard value.count >= 3 else { return nil }
        if let offset = quoteMixingProbe(value) { return Finding(rule: .syntaxProbe, shape: "syntax probe", offset: offset) }
        let lowered = Transforms.lowercase(value)
        guard mayContainSQL(lowered) else { return nil }
        if let finding = inspect(tokens: SQLLexer.tokens(lowered), brokeOut: false) { return finding }
        for quote in [UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`")] where lowered.contains(quote) {
            if let finding = inspect(tokens: SQLLexer.tokens(lowered, insideQuote: quote), brokeOut: true, breakAtStart: lowered.first == quote) {
                return finding
            }
        }
        return nil
    }

    /// `,.',,"(...` or `<'">)`: a run of quotes and brackets mixing both quote characters — what scanners send
    /// to see which breaks the query or the page. People write `"it's"` and `('a')`, not both quotes in a run
    /// of punctuation.
    static func quoteMixingProbe(_ value: [UInt8]) -> Int? {
        var runStart = 0, single = false, double = false, length = 0
        for (index, byte) in value.enumerated() {
            switch byte {
            case UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "<"), UInt8(ascii: ">"),
                 UInt8(ascii: ","), UInt8(ascii: "."):
                if length == 0 { runStart = index }
                length += 1
                if byte == UInt8(ascii: "'") { single = true }
                if byte == UInt8(ascii: "\"") { double = true }
                if length >= 4, single, double { return runStart }
            default:
                length = 0
                single = false
                double = false
            }
        }
        return nil
    }

    /// A cheap gate before lexing: SQL punctuation or operators, a comment, or a keyword an injection needs.
    /// Most benign values (names, searches, ids) stop here.
    static func mayContainSQL(_ bytes: [UInt8]) -> Bool {
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`"), UInt8(ascii: "("), UInt8(ascii: ";"), UInt8(ascii: "="),
                 UInt8(ascii: "#"), UInt8(ascii: "@"), UInt8(ascii: "|"), UInt8(ascii: "<"), UInt8(ascii: ">"):
                return true
            default:
                continue
            }
        }
        return ByteSearch.find([UInt8(ascii: "-"), UInt8(ascii: "-")], in: bytes, from: 0) != nil
            || ByteSearch.find([UInt8(ascii: "/"), UInt8(ascii: "*")], in: bytes, from: 0) != nil
            || keywordNeedles.firstMatch(in: bytes) != nil
    }

    static let keywordNeedles = NeedleSet(["union", "select", "order by", "group by", "having", "exec", "declare", "waitfor", " or ", " and ",
                                           " xor ", "&&", "insert", "delete", "drop", "update", "create", "grant", "information_schema",
                                           "sleep", "benchmark", "desc ", "shutdown", "truncate"])

    static func inspect(tokens all: [SQLToken], brokeOut: Bool, breakAtStart: Bool = false) -> Finding? {
        // Block comments only separate tokens (`'/**/or/**/1=1`); the lexer has already run /*! … */ as code.
        let t = all.contains { $0.kind == .comment && $0.text == "/*" } ? all.filter { $0.kind != .comment || $0.text != "/*" } : all
        guard !t.isEmpty else { return nil }
        func word(_ i: Int) -> String? { i < t.count && t[i].kind == .word ? t[i].text : nil }
        func isCall(_ i: Int) -> Bool { i + 1 < t.count && t[i + 1].kind == .leftParen }
        func next(_ i: Int) -> Int {
            var j = i + 1
            while j < t.count, t[j].kind == .comment, t[j].text == "/*" { j += 1 }
            return j
        }

        // Where code may start: the value's beginning, or just after a break-out quote or closing parenthesis.
        var codeStarts = CodeStarts(count: t.count)
        for (i, token) in t.enumerated() where token.kind == .strayQuote || token.kind == .rightParen { codeStarts.insert(i + 1) }

        var sawBreak = brokeOut
        for i in t.indices {
            let token = t[i]
            if token.kind == .strayQuote { sawBreak = true }
            switch token.kind {
            case .word:
                let text = token.text
                // Most words of most values (names, user agents, prose) are none the shapes below start with.
                guard mayStartShape(text) else { continue }
                // UNION [ALL|DISTINCT] [(] SELECT
                if text == "union" {
                    var j = next(i)
                    if let w = word(j), w == "all" || w == "distinct" { j = next(j) }
                    while j < t.count, t[j].kind == .leftParen { j += 1 }
                    if word(j) == "select" { return Finding(rule: .unionSelect, shape: "union-select", offset: t[i].start) }
                }
                if timeFunctions.contains(text), isCall(i) { return Finding(rule: .timeBased, shape: "time-based (\(text))", offset: t[i].start) }
                if text == "waitfor", let w = word(next(i)), w == "delay" || w == "time" { return Finding(rule: .timeBased, shape: "time-based (waitfor)", offset: t[i].start) }
                if attackFunctions.contains(text), isCall(i), text != "exp" || (i + 2 < t.count && t[i + 2].text == "~") {
                    return Finding(rule: .errorBased, shape: "error-based (\(text))", offset: t[i].start)
                }
                if catalogueWords.contains(text), text != "dual" || (i > 0 && word(i - 1) == "from") { return Finding(rule: .catalogueRead, shape: "catalogue read (\(text))", offset: t[i].start) }
                if text == "into", let w = word(next(i)), w == "outfile" || w == "dumpfile" { return Finding(rule: .fileAccess, shape: "file write", offset: t[i].start) }
                if text == "procedure", word(next(i)) == "analyse" { return Finding(rule: .fileAccess, shape: "procedure analyse", offset: t[i].start) }
                if text == "having" || ((text == "order" || text == "group") && word(next(i)) == "by") {
                    // ORDER BY n / GROUP BY n / HAVING 1=1 where code may start, ending the statement.
                    let j = text == "having" ? next(i) : next(next(i))
                    let commented = j + 1 < t.count && t[j + 1].kind == .comment
                    if codeStarts.contains(i) || sawBreak || commented, j < t.count, t[j].kind == .number,
                       j + 1 >= t.count || [.comment, .semicolon, .comma, .op, .rightParen].contains(t[j + 1].kind) {
                        return Finding(rule: .clauseProbe, shape: "\(text) probe", offset: t[i].start)
                    }
                }
                if booleans.contains(text), let finding = booleanProbe(t, at: i, codeStarts: codeStarts, sawBreak: sawBreak) ?? connectorCondition(t, at: i) {
                    return finding
                }
                // `HAVING 5=6`, `WHERE 1=1` after a value: a clause of the application's query extended.
                if text == "having" || text == "where", i > 0, let finding = connectorCondition(t, at: i) { return finding }
                // OR 1=1 / HAVING 1=1 anywhere: a comparison of a literal with itself has no other use.
                if booleans.contains(text) || text == "having", i + 3 < t.count, t[i + 1].kind == .number || t[i + 1].kind == .string,
                   t[i + 2].text == "=", t[i + 3].kind == t[i + 1].kind, t[i + 3].text == t[i + 1].text {
                    return Finding(rule: .tautology, shape: "tautology", offset: t[i].start)
                }
                // `(SELECT …)` where code may start is an inline query: the value is a subquery.
                let opensSubquery = i > 0 && t[i - 1].kind == .leftParen
                if (text == "select" || text == "exec" || text == "execute"), codeStarts.contains(i) || sawBreak || opensSubquery,
                   let finding = statement(t, at: i) { return finding }
                if i == 0, statementStarts.contains(text), t.contains(where: { $0.kind == .semicolon || $0.kind == .comment }),
                   let finding = statement(t, at: i) { return finding }
                if text == "declare", next(i) < t.count, t[next(i)].kind == .variable { return Finding(rule: .stackedStatement, shape: "statement (declare)", offset: t[i].start) }
                if text == "exec" || text == "execute", let finding = dynamicExecution(t, at: i) { return finding }
                if text.hasPrefix("xp_") || text.hasPrefix("sp_") || text.hasPrefix("master..xp_") { return Finding(rule: .storedProcedure, shape: "stored procedure (\(text))", offset: t[i].start) }
                if sqlFunctions.contains(text), isCall(i), sawBreak || codeStarts.contains(i), callNests(t, at: i) {
                    return Finding(rule: .functionAfterBreakOut, shape: "function call (\(text))", offset: t[i].start)
                }
                if let finding = conditionalExpression(t, at: i) { return finding }
            case .op where token.text == "||" || token.text == "&&":
                if let finding = booleanProbe(t, at: i, codeStarts: codeStarts, sawBreak: sawBreak) ?? connectorCondition(t, at: i) { return finding }
                // 'a'||'b' string concatenation after a break-out.
                if token.text == "||", sawBreak, i > 0, [.strayQuote, .string].contains(t[i - 1].kind), i + 1 < t.count,
                   [.strayQuote, .string].contains(t[i + 1].kind) {
                    return Finding(rule: .stringConcatenation, shape: "string concatenation", offset: t[i].start)
                }
            case .leftParen:
                // `(1974=5222)*5222`: a parenthesised comparison of literals used as a number.
                if i + 5 < t.count, t[i + 1].kind == .number || t[i + 1].kind == .string, t[i + 2].kind == .op, comparisons.contains(t[i + 2].text),
                   [.number, .string].contains(t[i + 3].kind), t[i + 4].kind == .rightParen, t[i + 5].kind == .op,
                   arithmetic.contains(t[i + 5].text) || comparisons.contains(t[i + 5].text) {
                    return Finding(rule: .sqlCondition, shape: "sql condition", offset: t[i].start)
                }
            case .variable where token.text.hasPrefix("@@") && token.text.count > 3:
                return Finding(rule: .serverVariable, shape: "server variable (\(token.text))", offset: t[i].start)
            case .semicolon:
                // A stacked statement: ; then a statement keyword that goes on as SQL.
                let j = next(i)
                if let w = word(j), statementStarts.contains(w), let finding = statement(t, at: j) { return finding }
                // `1;SELECT *`, `x;SELECT @@version`: a stacked select of everything or of a variable, cut short.
                if word(j) == "select", j + 1 < t.count, t[j + 1].text == "*" || t[j + 1].kind == .variable {
                    return Finding(rule: .stackedStatement, shape: "statement (select)", offset: t[j].start)
                }
            case .strayQuote:
                // Comment truncation: text, a break-out quote (maybe closing parentheses), then a comment that
                // ends the value — `admin'--`, `x')#`.
                var j = i + 1
                while j < t.count, t[j].kind == .rightParen { j += 1 }
                if j == t.count - 1, t[j].kind == .comment, !t[j].text.hasSuffix("…") {
                    return Finding(rule: .commentTruncation, shape: "comment truncation", offset: t[i].start)
                }
                // A break-out quote straight into a comparison with a literal: `'=0--`, `' LIKE '`.
                if j < t.count, t[j].kind == .op, ["=", "==", "<>", "!="].contains(t[j].text), j + 1 < t.count, [.number, .string].contains(t[j + 1].kind) {
                    return Finding(rule: .booleanProbe, shape: "comparison after break-out", offset: t[i].start)
                }
                if j + 1 < t.count, t[j].kind == .semicolon, t[j + 1].kind == .comment { return Finding(rule: .commentTruncation, shape: "comment truncation", offset: t[i].start) }
                if j + 1 < t.count, t[j].kind == .leftParen, t[j + 1].kind == .word, t[j + 1].text == "select" { return Finding(rule: .subqueryAfterBreakOut, shape: "subquery after break-out", offset: t[i].start) }
                // A break-out quote, then a statement.
                if let w = word(next(i)), statementStarts.contains(w), w != "if" && w != "set" && w != "use" && w != "show",
                   let finding = statement(t, at: next(i)) {
                    return finding
                }
            default:
                break
            }
        }
        return nil
    }

    /// After OR/AND/XOR/||/&&: a comparison whose sides are literals or a call, `OR 1`/`OR TRUE` ending the
    /// statement, or a time function — where code may start.
    static func booleanProbe(_ t: [SQLToken], at i: Int, codeStarts: CodeStarts, sawBreak: Bool) -> Finding? {
        let afterCode = i > 0 && [.strayQuote, .rightParen, .number, .string, .semicolon].contains(t[i - 1].kind)
        guard sawBreak || afterCode || codeStarts.contains(i) else { return nil }
        var j = i + 1
        if j < t.count, t[j].kind == .word, t[j].text == "not" { j += 1 }
        while j < t.count, t[j].kind == .leftParen { j += 1 }
        guard j < t.count else { return nil }
        let operand = t[j]
        let literal: Set<SQLToken.Kind> = [.number, .string, .strayQuote]
        if operand.kind == .word, timeFunctions.contains(operand.text) { return Finding(rule: .timeBased, shape: "time-based (\(operand.text))", offset: t[i].start) }
        if operand.kind == .word, attackFunctions.contains(operand.text) { return Finding(rule: .errorBased, shape: "error-based (\(operand.text))", offset: t[i].start) }
        // OR 1 / OR TRUE then the end of the statement: a comment or `;` (or, after a break-out quote, the value's end).
        if operand.kind == .number || ["true", "false", "null"].contains(operand.text) {
            let k = j + 1
            let terminated = k < t.count && [.comment, .semicolon].contains(t[k].kind)
            // `x') OR 1)--` ends the statement only when a comment or `;` follows the parenthesis: a quote
            // anywhere in a message must not make "(order 5521 and 5522)." a tautology.
            let parenthesisEnds = k + 1 < t.count && t[k].kind == .rightParen && [.comment, .semicolon].contains(t[k + 1].kind)
            if terminated || (k >= t.count && sawBreak) || (parenthesisEnds && sawBreak) {
                return Finding(rule: .tautology, shape: "tautology", offset: t[i].start)
            }
        }
        // OR f(…) where code starts: a SQL function as the whole condition.
        if operand.kind == .word, sqlFunctions.contains(operand.text) || operand.text == "select", j + 1 < t.count, t[j + 1].kind == .leftParen || operand.text == "select",
           codeStarts.contains(i) || sawBreak || afterCode {
            return Finding(rule: .booleanProbe, shape: "boolean probe (\(operand.text))", offset: t[i].start)
        }
        // OR x = y, with literal or parenthesised/called sides.
        var k = j + 1
        if operand.kind == .word, k < t.count, t[k].kind == .leftParen {
            // A call's arguments, up to `lookAhead` tokens: nested unclosed calls (`or f(a or f(a …`) would
            // otherwise have every `or` walk to the value's end.
            var depth = 0
            let limit = min(t.count, k + lookAhead)
            while k < limit {
                if t[k].kind == .leftParen { depth += 1 }
                if t[k].kind == .rightParen { depth -= 1; if depth == 0 { k += 1; break } }
                k += 1
            }
        }
        while k < t.count, t[k].kind == .rightParen { k += 1 }
        guard k < t.count, (t[k].kind == .op || t[k].kind == .word), comparisons.contains(t[k].text) else { return nil }
        guard k + 1 < t.count else { return sawBreak ? Finding(rule: .booleanProbe, shape: "boolean probe", offset: t[i].start) : nil }
        let right = t[k + 1]
        let rightIsSQL = literal.contains(right.kind) || right.kind == .leftParen || right.kind == .word && (sqlFunctions.contains(right.text) || right.text == "select")
        let sidesLiteral = (literal.contains(operand.kind) || operand.kind == .word && sqlFunctions.contains(operand.text)) && rightIsSQL
        if sidesLiteral { return Finding(rule: .tautology, shape: "tautology", offset: t[i].start) }
        // x=x, or a comparison that ends the statement, where code starts.
        let ends = k + 2 >= t.count || [.comment, .semicolon].contains(t[k + 2].kind)
        if codeStarts.contains(i) || sawBreak {
            if right.kind == .word, right.text == operand.text, operand.kind == .word { return Finding(rule: .tautology, shape: "tautology", offset: t[i].start) }
            if ends, operand.kind == .word, operand.text.count <= 12 || sawBreak, rightIsSQL || right.kind == .word { return Finding(rule: .booleanProbe, shape: "boolean probe", offset: t[i].start) }
            if right.kind == .word, sqlFunctions.contains(right.text), k + 2 < t.count, t[k + 2].kind == .leftParen { return Finding(rule: .booleanProbe, shape: "boolean probe", offset: t[i].start) }
        }
        if sawBreak, right.kind != .word { return Finding(rule: .booleanProbe, shape: "boolean probe", offset: t[i].start) }
        return nil
    }

    /// EXEC(@x), EXEC('…'), EXECUTE IMMEDIATE: running a string as SQL.
    static func dynamicExecution(_ t: [SQLToken], at i: Int) -> Finding? {
        guard i + 1 < t.count else { return nil }
        let first = t[i + 1]
        if first.kind == .leftParen, i + 2 < t.count, [.variable, .string].contains(t[i + 2].kind) { return Finding(rule: .storedProcedure, shape: "dynamic execution", offset: t[i].start) }
        if first.kind == .word, first.text == "immediate" { return Finding(rule: .storedProcedure, shape: "dynamic execution", offset: t[i].start) }
        return nil
    }

    /// A statement keyword followed by what makes it SQL rather than prose.
    static func statement(_ t: [SQLToken], at i: Int) -> Finding? {
        let keyword = t[i].text
        let rest = t[(i + 1)...].prefix(12)
        let words = rest.filter { $0.kind == .word }.map(\.text)
        let shape = "statement (\(keyword))"
        switch keyword {
        case "select":
            // A select list that goes on as SQL: a second item, FROM, INTO, a comment, or concatenation.
            guard let first = rest.first else { break }
            // A quoted word after SELECT is SQL only if the list goes on at once (`SELECT 'a',`, `SELECT 'a' FROM`):
            // `the "select" button … it's "okay"` quotes a word.
            let second = rest.dropFirst().first
            let stringGoesOn = first.kind != .string || second.map { [.comma, .op, .comment, .semicolon].contains($0.kind)
                || ($0.kind == .word && ["from", "as", "into", "union"].contains($0.text)) } ?? true
            let startsLikeSQL = [.number, .op, .variable, .string, .leftParen].contains(first.kind) && stringGoesOn
                || (first.kind == .word && (rest.dropFirst().first?.kind == .leftParen || sqlFunctions.contains(first.text)))
            let goesOn = rest.dropFirst().contains { $0.kind == .comma || $0.kind == .comment || $0.kind == .semicolon || $0.text == "||" || $0.text == "+" }
                || words.contains("from") || words.contains("into")
            if startsLikeSQL, goesOn { return Finding(rule: .stackedStatement, shape: shape, offset: t[i].start) }
            // select x from y; — a whole statement, ended.
            if words.contains("from"), rest.contains(where: { $0.kind == .semicolon || $0.kind == .comment }) { return Finding(rule: .stackedStatement, shape: shape, offset: t[i].start) }
            if words.contains("from"), rest.contains(where: { $0.kind == .comma || $0.kind == .leftParen || $0.kind == .op }) {
                return Finding(rule: .stackedStatement, shape: shape, offset: t[i].start)
            }
        case "drop", "create", "alter", "truncate":
            if let w = words.first, ["table", "database", "user", "procedure", "function", "view", "index", "schema"].contains(w) { return Finding(rule: .stackedStatement, shape: shape, offset: t[i].start) }
        case "insert", "replace": if words.first == "into" { return Finding(rule: .stackedStatement, shape: shape, offset: t[i].start) }
        case "delete": if words.first == "from" { return Finding(rule: .stackedStatement, shape: shape, offset: t[i].start) }
        case "update": if words.count >= 2, words[1] == "set" { return Finding(rule: .stackedStatement, shape: shape, offset: t[i].start) }
        case "exec", "execute", "call":
            // A stored procedure by its usual prefixes, a dynamic string, or a variable — not "exec chair";
            // or, stacked after `;`, CALL of a function with SQL in its arguments.
            if keyword == "call", i > 0, t[i - 1].kind == .semicolon, rest.count >= 2, rest.first?.kind == .word,
               rest.dropFirst().first?.kind == .leftParen {
                return Finding(rule: .stackedStatement, shape: shape, offset: t[i].start)
            }
            if let first = rest.first {
                if first.kind == .leftParen || first.kind == .variable || first.kind == .string { return Finding(rule: .stackedStatement, shape: shape, offset: t[i].start) }
                if first.kind == .word, ["xp_", "sp_", "master.", "dbo.", "sys."].contains(where: { first.text.hasPrefix($0) }) { return Finding(rule: .stackedStatement, shape: shape, offset: t[i].start) }
            }
        case "declare", "set": if rest.first?.kind == .variable { return Finding(rule: .stackedStatement, shape: shape, offset: t[i].start) }
        case "shutdown", "waitfor": return Finding(rule: .stackedStatement, shape: shape, offset: t[i].start)
        case "grant", "revoke": if words.contains("to") || words.contains("on") || words.contains("from") { return Finding(rule: .stackedStatement, shape: shape, offset: t[i].start) }
        case "desc", "describe", "show": if let first = rest.first, first.kind == .word, rest.count <= 3 { return Finding(rule: .stackedStatement, shape: shape, offset: t[i].start) }
        default: break
        }
        return nil
    }

    /// A call whose arguments hold more SQL: another call, a literal comparison, a comma list with a number.
    static func callNests(_ t: [SQLToken], at i: Int) -> Bool {
        var j = i + 2
        var depth = 1
        var evidence = 0
        // Bounded, as in `booleanProbe`: `char(char(char(…` must not make each call walk to the end.
        let limit = min(t.count, i + 2 + lookAhead)
        while j < limit, depth > 0 {
            switch t[j].kind {
            case .leftParen: depth += 1; evidence += 1
            case .rightParen: depth -= 1
            case .number, .string, .variable, .comma: evidence += 1
            default: break
            }
            j += 1
        }
        return depth == 0 && evidence >= 2 && (j >= t.count || [.comment, .comma, .op, .rightParen, .semicolon, .strayQuote].contains(t[j].kind) || t[j].kind == .word)
    }
}
