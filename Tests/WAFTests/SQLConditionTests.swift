import Testing
@testable import WAF

/// The shapes sqlmap's techniques share, written here in our own words: a condition built only of SQL after
/// a connector, behind every boundary a query can be broken out of; conditional expressions and inline
/// queries; stacked calls; the scanners' syntax probes. Each with the look-alikes people type, which must pass.
@Suite struct SQLConditionTests {
    /// How sqlmap closes the application's context before its payload, and how it ends it.
    static let boundaries: [(prefix: String, suffix: String)] = [
        ("", ""), ("", "-- x"), ("", "#"), ("'", "-- x"), ("\"", "#"), (")", "-- x"), ("')", "-- x"), ("'))", "#"), ("%'", "-- x"),
        ("*/", "/*"), ("$$", "-- x"), ("`", "-- x"), ("]'", "-- x"), ("' IN BOOLEAN MODE)", "#"), (") AS t WHERE 7=7", "-- x"),
    ]

    static let conditions = [
        " AND 5819=7655", " OR 7332=9016", " AND 'a'='b'", " OR NOT 4=4", " AND (SELECT 'x' FROM t)='x'", " OR (SELECT f(NULL)) IS NULL",
        " AND MAKE_SET(5=5,3)", " OR 2^3=8", " OR 5\\2=2", " OR 5%2=1", " OR 'a'+'b'='ab'", " AND 3 IN (SELECT 3)", " OR NULL IS NULL",
        " AND SLEEP(5)", " RLIKE (SELECT (CASE WHEN (4=4) THEN 1 ELSE 0x28 END))", " HAVING 6=6",
        ",(CASE WHEN 1=1 THEN 1 ELSE NULL END)", ",IIF(1=1,1,1/0)", ";CALL F(REPEAT(CHAR(65),5),NULL)",
        ";SELECT (CASE WHEN (1=1) THEN 1 ELSE 1*(SELECT 1 FROM x) END)", " && 3=3", " || 3=4",
    ]

    @Test func everyConditionBehindEveryBoundaryIsCaught() {
        var missed: [String] = []
        for condition in Self.conditions {
            for boundary in Self.boundaries {
                let value = "shoe" + boundary.prefix + condition + boundary.suffix
                if SQLInjectionDetector.inspect(Array(value.utf8)) == nil { missed.append(value) }
            }
        }
        #expect(missed.isEmpty, "\(missed.count) missed, first: \(missed.prefix(8))")
    }

    /// Probes that are only code when something ends the statement after them: `ORDER BY 3` and `OR 2+`
    /// alone are how people write "order by 3pm" and "ages 3 and 5+".
    @Test func terminatedProbesAreCaughtAndBareOnesPass() {
        for condition in [" ORDER BY 3", " OR 2+"] {
            for boundary in Self.boundaries where !boundary.suffix.isEmpty {
                let value = "shoe" + boundary.prefix + condition + boundary.suffix
                #expect(SQLInjectionDetector.inspect(Array(value.utf8)) != nil, "\(value)")
            }
            #expect(SQLInjectionDetector.inspect(Array(("shoe" + condition).utf8)) == nil, "shoe\(condition)")
        }
    }

    @Test(arguments: ["(SELECT CONCAT(0x71,(ELT(4=4,1)),0x71))", "(SELECT CHAR(113)+(CASE WHEN (1=1) THEN CHAR(49) ELSE CHAR(48) END))",
                      "(1974=5222)*5222", "(CASE WHEN 7=7 THEN 'a' ELSE NULL END)", "BEGIN IF (1=1) THEN DBMS_SESSION.SLEEP(5); END IF; END;",
                      "shoe,.',,\"(...", "shoe'xYz<'\">)abc"])
    func inlineQueriesAndProbesAreCaught(_ value: String) {
        #expect(SQLInjectionDetector.inspect(Array(value.utf8)) != nil, "\(value)")
    }

    /// Searches, names and reviews that share words or punctuation with the shapes above.
    @Test(arguments: ["\"foo\" AND \"bar\"", "1950 or 1960", "black and \"shower curtain\"", "size 10 and 11", "Tom & Jerry", "rock 'n' roll",
                      "salt and pepper (coarse)", "size and color=red", "Ben & Jerry's (pint)", "2 for 1 (limited)", "select (any) two",
                      "in case when wet, then dry", "Foo and 80's Foo / Bar", "I <3 it", "he said \"wait...\"", "order by price",
                      "where is my order?", "having fun (again)", "call me maybe (single)", "3*4=12 puzzle book", "(5 pack)", "AND/OR gate kit",
                      "it's \"great\"", "x = y", "a=b or c", "500 AND 3"])
    func lookAlikesPass(_ value: String) {
        #expect(SQLInjectionDetector.inspect(Array(value.utf8)) == nil, "\(value) was flagged: \(String(describing: SQLInjectionDetector.inspect(Array(value.utf8))))")
    }
}

/// Scanner markup probes, and the markup shop text really holds.
@Suite struct MarkupProbeTests {
    @Test(arguments: ["<test x=y>", "<xss onx=1", "<a href=x//", "<isindex x=y//", "<test/x=y>", "<foo bar = baz>", "<test>", "<test x>", "shoe<test"])
    func probesAreCaught(_ value: String) {
        #expect(XSSDetector.inspect(Array(value.utf8)) != nil, "\(value)")
    }

    @Test(arguments: ["<a href=\"/teams/\">page</a>", "<span class=\"x\">look</span>", "<<retro>> bag", "x<y>z&&a||b$c", "I <3 it",
                      "a < b and c > d", "<b>bold</b> claim", "size <M>", "see http://example.com//path", "x <y", "a<b"])
    func shopMarkupPasses(_ value: String) {
        #expect(XSSDetector.inspect(Array(value.utf8)) == nil, "\(value)")
    }
}

/// Script that lands inside an existing script, handler or style needs no tag.
@Suite struct ScriptWithoutTagsTests {
    @Test(arguments: ["top['al'+'ert'](1)", "window[`alert`](document.domain)", "self [ \"ev\" + \"al\" ] ('x')", "parent['location']='//evil'",
                      "[]['constructor']['constructor']('alert(1)')()", "x.constructor('return this')()",
                      "[][(![]+[])[+[]]+(![]+[])[!+[]+!+[]]+(![]+[])[+!+[]]]", "setTimeout`alert\\x281\\x29`", "Function`a${'alert(1)'}```",
                      "mocha:alert(1)", "data:text/javascript,alert(1)", "x{behavior:url(#default#time2)}", "body{-moz-binding:url(x.xml#xss)}",
                      "@import 'javascript:alert(1)';"])
    func taglessScriptIsCaught(_ value: String) {
        #expect(XSSDetector.inspect(Array(value.utf8)) != nil, "\(value)")
    }

    @Test(arguments: ["bay window[large]", "this[1] item", "top[s] 3 pack", "(!!) great (+1) [sic]", "self-care [book]", "constructor set (kids)",
                      "function keys", "import tax [EU]", "x[0]=1"])
    func lookAlikesPass(_ value: String) {
        #expect(XSSDetector.inspect(Array(value.utf8)) == nil, "\(value)")
    }
}
