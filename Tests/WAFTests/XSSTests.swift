import Testing
@testable import WAF

private func detect(_ encodedQuery: String) -> Finding? { firstFinding(encodedQuery, XSSDetector.inspect) }

@Suite struct XSSTests {
    @Test(arguments: [
        "%3Cscript%3Ealert(1)%3C/script%3E",
        "%253Cscript%253Ealert(1)%253C%252Fscript%253E",          // double URL-encoded
        "%3CScRiPt%3Ealert(1)%3C/sCrIpT%3E",                      // mixed case
        "%26lt%3Bscript%26gt%3Balert(1)%26lt%3B/script%26gt%3B",  // entity-encoded tags
        "%26%2360%3Bimg+src%3Dx+onerror%3Dalert(1)%26%2362%3B",   // numeric entities
        "%3Cimg+src=x+onerror=alert(1)%3E",
        "%3Csvg/onload=alert(1)%3E",
        "%3Cb+onmouseover=alert(1)%3Ehi%3C/b%3E",
        "%3Ca+href=%22jav%26%23x09%3Bascript:alert(1)%22%3Eclick%3C/a%3E",  // a tab inside the scheme
        "javascript:alert(document.cookie)",
        "%22+onmouseover=%22alert(1)",
        "%27;alert(1)//",
        "%22-confirm(1)-%22",
        "%3Ciframe+src=%22data:text/html,x%22%3E",
        "+ADw-script+AD4-alert(1)+ADw-/script+AD4-",              // UTF-7
        "%3Cdiv+style=%22width:expr/**/ession(alert(1))%22%3E",
        "prompt%60x%60",
        "%5Cx3cscript%5Cx3ealert(1)",                             // \x3c escapes
    ])
    func scriptContextsAreFound(_ query: String) {
        #expect(detect(query) != nil, "\(query)")
    }

    @Test(arguments: [
        "%3C3+gifts", "a+%3C+b+and+c+%3E+d", "price+%3C+30", "rock+%26+roll", "Tom+%26+Jerry", "%3Cb%3Ebold%3C/b%3E+text",
        "javascript+the+good+parts", "learn+javascript:+the+basics", "on+sale=yes", "price+alert", "alert+clock", "1+%3E+0",
        "%22one%22+and+%22two%22", "size:+10+1/2", "don't+panic", "email+me+at+a%40b.c", "%3Ci%3Eitalic%3C/i%3E",
        "confirmation+email", "evaluation+kit", "%3C%3C+sale+%3E%3E",
    ])
    func benignLookAlikesPass(_ query: String) {
        #expect(detect(query) == nil, "\(query): \(String(describing: detect(query)))")
    }
}
