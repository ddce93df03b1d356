import Testing
@testable import WAF

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

@Suite struct TransformTests {
    @Test(arguments: [
        ("%27%20OR%201%3D1--", "' OR 1=1--"),
        ("%2527%2520OR", "' OR"),                      // double encoding
        ("%252527", "'"),                               // triple
        ("%u003cscript%u003E", "<script>"),             // IIS %u form, either case
        ("a+b", "a b"),
        ("100%", "100%"),                               // a lone % stays
        ("%zz%4", "%zz%4"),                             // malformed escapes stay
        ("%E2%9C%93", "✓"),
    ])
    func urlDecodingUnwrapsEveryLayer(_ input: String, _ expected: String) {
        #expect(text(Transforms.urlDecode(bytes(input))) == expected)
    }

    @Test func plusIsASpaceOnlyInTheFirstPass() {
        // "%2B" decodes to a literal plus, which a second pass must not turn into a space.
        #expect(text(Transforms.urlDecode(bytes("1%2B1"))) == "1+1")
    }

    @Test(arguments: [
        ("&lt;script&gt;", "<script>"),
        ("&#60;img&#x3E;", "<img>"),
        ("&#0000060;svg&#x00003e;", "<svg>"),           // leading zeros
        ("&#60img", "<img"),                            // no semicolon on a numeric reference
        ("javascript&colon;alert&lpar;1&rpar;", "javascript:alert(1)"),
        ("java&Tab;script", "java\tscript"),
        ("rock &amp; roll", "rock & roll"),
        ("Tom & Jerry", "Tom & Jerry"),                 // a bare ampersand stays
        ("&unknown;", "&unknown;"),
        ("&#x110000;", "\u{FFFD}"),
    ])
    func htmlEntitiesDecodeAsBrowsersRead(_ input: String, _ expected: String) {
        #expect(text(Transforms.htmlEntityDecode(bytes(input))) == expected)
    }

    @Test func lowercaseTouchesOnlyASCIILetters() {
        #expect(text(Transforms.lowercase(bytes("SeLeCt Ünïcode"))) == "select Ünïcode")
    }

    @Test func whitespaceRunsBecomeOneSpace() {
        #expect(text(Transforms.compressWhitespace(bytes("union \t\n select\u{0B}\u{0C}1\u{00A0}\u{00A0}x"))) == "union select 1 x")
    }

    @Test func blockCommentsBecomeASpace() {
        #expect(text(Transforms.replaceBlockComments(bytes("UN/**/ION/*x*/SELECT"))) == "UN ION SELECT")
        #expect(text(Transforms.replaceBlockComments(bytes("1 /*! unterminated"))) == "1  ")
        #expect(text(Transforms.replaceBlockComments(bytes("a/b*c"))) == "a/b*c")
    }

    @Test func nullBytesAreRemoved() {
        #expect(Transforms.removeNulls([0x61, 0, 0x62]) == [0x61, 0x62])
    }

    @Test(arguments: [
        ("/images/../../etc/passwd", "/etc/passwd", true),
        ("..\\..\\windows\\win.ini", "windows/win.ini", true),
        ("/a/./b//c/../d", "/a/b/d", false),
        ("shoes/red.png", "shoes/red.png", false),
    ])
    func pathsNormaliseAndClimbingIsNoticed(_ input: String, _ expected: String, _ climbed: Bool) {
        let (path, didClimb) = Transforms.normalizePath(bytes(input))
        #expect(text(path) == expected)
        #expect(didClimb == climbed)
    }
}
