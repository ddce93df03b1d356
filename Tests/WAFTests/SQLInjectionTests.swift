import Testing
@testable import WAF

private func detect(_ encodedQuery: String) -> Finding? { firstFinding(encodedQuery, SQLInjectionDetector.inspect) }

@Suite struct SQLInjectionTests {
    @Test(arguments: [
        "%27%20OR%20%271%27%3D%271",                       // ' OR '1'='1
        "1%20UNION%20ALL%20SELECT%20username,password%20FROM%20users--",
        "%2527%2520UNION%2520SELECT%25201,2--",            // double URL-encoded
        "1'+uNiOn/**/SeLeCt+null,version()--",             // mixed case, a comment between keywords
        "1+/*!50000UNION*/+/*!50000SELECT*/+1,2",          // MySQL versioned comments run as code
        "'/**/or/**/1/**/=/**/1",
        "admin'--",
        "x');+DROP+TABLE+users;--",
        "1;+DELETE+FROM+orders",
        "1+AND+SLEEP(5)",
        "1'+AND+BENCHMARK(5000000,MD5(1))%23",
        "';+WAITFOR+DELAY+'0:0:5'--",
        "1+AND+EXTRACTVALUE(1,CONCAT(0x7e,version()))",
        "1+AND+1=2+UNION+SELECT+table_name+FROM+information_schema.tables",
        "')+or+('1'='1",
        "1+OR+1=1--",
        "'+or+sleep(5)%23",
        "+ORDER+BY+14%23",
        "@@version",
        "1;exec(@cmd)",
        "';+EXEC+xp_cmdshell+'dir'--",
        "'||'x'||'",
        "declare+@s+varchar(200)+select+@s+=+0x77",
    ])
    func injectionsAreFound(_ query: String) {
        #expect(detect(query) != nil, "\(query)")
    }

    @Test(arguments: [
        "O'Reilly", "rock+%26+roll", "select+wine", "drop+earrings", "%3C3+gifts", "exec+chair", "Tom+%26+Jerry",
        "don't+panic+towel", "2+OR+4+metal+buttons", "price+%3C+30", "1950+or+1960", "women's+running+shoes",
        "%22SWEATER+DRESS%22+AND+%22CHRISTMAS%22", "call+me+maybe+t-shirt", "d'artagnan", "union+jack+mug",
        "update+your+wardrobe", "order+by+phone", "1%2B1=2+math+book", "50%25+off", "C%23+in+depth", "--+sale+--",
        "sleep+mask", "benchmark+tools", "have+a+nice+day!", "user+manual", "select+2+items", "%22foo%22+AND+%22bar%22",
    ])
    func benignLookAlikesPass(_ query: String) {
        #expect(detect(query) == nil, "\(query): \(String(describing: detect(query)))")
    }

    @Test func aFindingNamesTheShape() {
        #expect(detect("1+UNION+SELECT+1")?.shape == "union-select")
        #expect(detect("1+AND+SLEEP(5)")?.shape == "time-based (sleep)")
        #expect(detect("admin'--")?.shape == "comment truncation")
    }
}
