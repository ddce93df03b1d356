/// OS command injection: a shell metacharacter (`;`, `|`, `&`, a newline, `$(`, a backtick, `>`) followed
/// by a command; shell binaries named by path; Shellshock's `() { :;};`; and calls of a language's shell
/// functions (`system('…')`). Commands that are also English words (`cat`, `more`, `type`, `id`) count only
/// with what makes them commands — an option, a path, a number, or the end of the value — so "rock & roll",
/// "salt & pepper" and "cat litter" pass.
public enum CommandInjectionDetector {
    static let strongCommands: Set<String> = ["whoami", "ifconfig", "ipconfig", "uname", "wget", "curl", "nc", "netcat", "ncat", "bash", "sh",
                                              "zsh", "ksh", "csh", "powershell", "pwsh", "cmd", "perl", "python", "python2", "python3", "php",
                                              "ruby", "lua", "systeminfo", "tasklist", "nslookup", "telnet", "chmod", "chown", "useradd",
                                              "crontab", "netstat", "hostname", "passwd", "base64", "xterm", "sudo", "su", "rm", "tftp",
                                              "ftp", "ssh", "scp", "busybox", "mkfifo", "xargs", "awk", "gawk", "certutil", "bitsadmin",
                                              "wmic", "net.exe", "cmd.exe", "mshta", "rundll32", "regsvr32", "getent", "lsof", "sysinfo"]
    static let weakCommands: Set<String> = ["ls", "id", "cat", "pwd", "dir", "echo", "sleep", "ping", "type", "more", "set", "env", "find",
                                            "head", "tail", "kill", "exit", "net", "touch", "which", "who", "w", "uptime", "ps", "dig",
                                            "host", "grep", "sed", "cp", "mv", "mkdir", "ver", "vol", "copy", "del", "start", "time",
                                            "date", "print", "printf", "expr", "eval", "exec", "nohup", "timeout", "less", "tac", "nl"]
    static let englishWords: Set<String> = ["more", "type", "set", "find", "start", "time", "date", "print", "copy", "host", "who", "w",
                                            "less", "net", "kill", "exit", "head", "tail", "touch", "echo", "sleep", "ping", "cat", "expr",
                                            "timeout", "vol", "ver", "del", "which", "eval", "exec"]
    static let shellFunctions = ["system", "exec", "shell_exec", "passthru", "popen", "proc_open", "pcntl_exec", "os.system", "subprocess",
                                 "runtime.getruntime"]

    static let shellPaths = ["/bin/", "usr/bin/", "/sbin/", "cmd.exe", "powershell.exe", "/dev/tcp/"]
    static let shellPathNeedles = NeedleSet(shellPaths)
    static let shellFunctionNeedles = NeedleSet(shellFunctions)

    public static func inspect(_ value: [UInt8]) -> Finding? {
        guard value.count >= 2 else { return nil }
        let v = Transforms.lowercase(value)
        if let finding = inspectWords(v) ?? ShellShapes.find(v) { return finding }
        // Tamper scripts hide the words (`wh''oami`, `c\at`, `{cat,/etc/passwd}`): read them again undone.
        // The offset is the normalised value's; findings there point at the shape, not the raw byte.
        // Not the value-is-a-command check there: `"rm -rf" is a joke` loses its quotes in the undoing.
        if let normalized = ShellShapes.normalized(v) { return inspectWords(normalized, commandAtStart: false) ?? ShellShapes.find(normalized) }
        return nil
    }

    static func inspectWords(_ v: [UInt8], commandAtStart checkStart: Bool = true) -> Finding? {
        if let offset = ByteSearch.find("() {", in: v, from: 0), ByteSearch.find(":;", in: v, from: offset) != nil {
            return Finding(rule: .shellshock, shape: "shellshock", offset: offset)
        }
        if let (needle, offset) = Self.shellPathNeedles.firstMatch(in: v) { return Finding(rule: .shellPath, shape: "shell path (\(Self.shellPaths[needle]))", offset: offset) }
        for (needle, offset) in Self.shellFunctionNeedles.matches(in: v) {
            let function = shellFunctions[needle]
            if isCallWithString(v, after: offset + function.utf8.count), offset == 0 || !SQLLexer.isWordByte(v[offset - 1]) {
                return Finding(rule: .shellFunctionCall, shape: "shell function (\(function))", offset: offset)
            }
        }
        if checkStart, let finding = commandAtStart(v) { return finding }
        // A run of metacharacters (`&&&…`, `|||…`, backticks) gives every member the same command after it:
        // the run is skipped once and each word after one is judged once, so the scan stays linear.
        var separators = ForwardRun(v, isSeparatorRun)
        var judged: (start: Int, word: String, end: Int, command: Bool, restIsBlank: Bool)?
        var index = 0
        while index < v.count {
            let byte = v[index]
            var start: Int?
            switch byte {
            case UInt8(ascii: ";"), UInt8(ascii: "|"), UInt8(ascii: "&"), 0x0A, 0x0D, UInt8(ascii: "`"):
                start = index + 1
            case UInt8(ascii: "$") where index + 1 < v.count && (v[index + 1] == UInt8(ascii: "(") || v[index + 1] == UInt8(ascii: "{")):
                start = index + 2
            case UInt8(ascii: ">") where index + 1 < v.count && v[index + 1] == UInt8(ascii: "("):
                start = index + 2
            default:
                break
            }
            if let start {
                let wordStart = separators.end(from: start)
                if judged?.start != wordStart {
                    var cursor = wordStart
                    while cursor < v.count, SQLLexer.isWordByte(v[cursor]) || v[cursor] == UInt8(ascii: ".") { cursor += 1 }
                    let word = String(decoding: v[wordStart..<min(cursor, wordStart + 32)], as: UTF8.self)
                    if strongCommands.contains(word), cursor == v.count || !SQLLexer.isWordByte(v[cursor]) {
                        return Finding(rule: .commandAfterSeparator, shape: "command (\(word))", offset: index)
                    }
                    let command = weakCommands.contains(word) && commandArguments(v, from: cursor)
                    let restIsBlank = command && v[cursor...].allSatisfy { $0 == 0x20 || $0 == 0x09 }
                    judged = (wordStart, word, cursor, command, restIsBlank)
                }
                if let judged, judged.command {
                    // "shoes & more": after a lone `&`, an English word ending the value is just English.
                    let loneAmpersand = byte == UInt8(ascii: "&") && (index + 1 >= v.count || v[index + 1] != UInt8(ascii: "&"))
                        && (index == 0 || v[index - 1] != UInt8(ascii: "&"))
                    if !(loneAmpersand && englishWords.contains(judged.word) && judged.restIsBlank) {
                        return Finding(rule: .commandAfterSeparator, shape: "command (\(judged.word))", offset: index)
                    }
                }
            }
            index += 1
        }
        return nil
    }

    static func isSeparatorRun(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "|"), UInt8(ascii: "&"), UInt8(ascii: "`"), UInt8(ascii: "("), 0x20, 0x09, 0x0A, 0x0D: true
        default: false
        }
    }

    /// What follows a weak command makes it one: the end of the value, another metacharacter, an option,
    /// a path, a number, or a quote.
    static func commandArguments(_ v: [UInt8], from index: Int) -> Bool {
        var cursor = index
        while cursor < v.count, v[cursor] == 0x20 || v[cursor] == 0x09 { cursor += 1 }
        guard cursor < v.count else { return true }
        let next = v[cursor]
        if [UInt8(ascii: ";"), UInt8(ascii: "|"), UInt8(ascii: "&"), UInt8(ascii: "`"), UInt8(ascii: ")"), UInt8(ascii: "$"), 0x0A, 0x0D,
            UInt8(ascii: ">"), UInt8(ascii: "<"), UInt8(ascii: "#")].contains(next) { return true }
        guard cursor > index else { return false }  // glued to more letters: another word
        if next == UInt8(ascii: "-"), cursor + 1 < v.count, Transforms.isLetter(v[cursor + 1]) || v[cursor + 1] == UInt8(ascii: "-") { return true }
        if next == UInt8(ascii: "/") || next == UInt8(ascii: "\\") || next == UInt8(ascii: "~") || next == UInt8(ascii: "\"") || next == UInt8(ascii: "'") { return true }
        if startsWindowsPath(v, at: cursor) { return true }
        // net user / net view / net localgroup …
        if index >= 3, v[(index - 3)..<index].elementsEqual("net".utf8) {
            for sub in ["user", "view", "localgroup", "share", "use ", "accounts", "group", "start", "stop"] where XSSDetector.matches(sub, v, at: cursor) {
                return true
            }
        }
        if redirects(v, from: cursor) { return true }
        if next >= UInt8(ascii: "0"), next <= UInt8(ascii: "9") {
            // `sleep 5`, `ping 127.0.0.1` — but not `2 & more than 3`.
            var end = cursor
            while end < v.count, v[end] >= UInt8(ascii: "0") && v[end] <= UInt8(ascii: "9") || v[end] == UInt8(ascii: ".") { end += 1 }
            return end == v.count || [UInt8(ascii: ";"), UInt8(ascii: "|"), UInt8(ascii: "&"), UInt8(ascii: "`"), 0x0A, 0x20].contains(v[end])
        }
        return false
    }

    /// `echo x>/var/www/x.txt`, `cat a 2>&1`: the command's output redirected to a path or a descriptor,
    /// before the next separator and within 64 bytes.
    static func redirects(_ v: [UInt8], from start: Int) -> Bool {
        var cursor = start
        let limit = min(v.count, start + 64)
        while cursor < limit {
            let byte = v[cursor]
            if [UInt8(ascii: ";"), UInt8(ascii: "|"), 0x0A, 0x0D].contains(byte) { return false }
            if byte == UInt8(ascii: ">") || byte == UInt8(ascii: "<") {
                var next = cursor + 1
                while next < v.count, v[next] == UInt8(ascii: ">") || v[next] == 0x20 { next += 1 }
                if next < v.count, [UInt8(ascii: "/"), UInt8(ascii: "&"), UInt8(ascii: "~"), UInt8(ascii: "$")].contains(v[next]) { return true }
            }
            cursor += 1
        }
        return false
    }

    /// `C:\`, `%SYSTEMROOT%`: the start of a Windows path.
    static func startsWindowsPath(_ v: [UInt8], at index: Int) -> Bool {
        if v[index] == UInt8(ascii: "%"), index + 2 < v.count, Transforms.isLetter(v[index + 1]) { return true }
        return index + 2 < v.count && Transforms.isLetter(v[index]) && v[index + 1] == UInt8(ascii: ":")
            && (v[index + 2] == UInt8(ascii: "\\") || v[index + 2] == UInt8(ascii: "/"))
    }

    /// A command at the very start of the value with a path or an option after it (`cat /etc/hosts`,
    /// `type C:\boot.ini`, `ls -la`): no metacharacter needed when the whole value is the command.
    static func commandAtStart(_ v: [UInt8]) -> Finding? {
        var cursor = 0
        while cursor < v.count, SQLLexer.isWordByte(v[cursor]) { cursor += 1 }
        let word = String(decoding: v[..<cursor], as: UTF8.self)
        guard strongCommands.contains(word) || weakCommands.contains(word), cursor < v.count, v[cursor] == 0x20 else { return nil }
        var next = cursor
        while next < v.count, v[next] == 0x20 { next += 1 }
        guard next < v.count else { return nil }
        let argument = v[next]
        if argument == UInt8(ascii: "/") || argument == UInt8(ascii: "\\") || startsWindowsPath(v, at: next)
            || (argument == UInt8(ascii: "-") && next + 1 < v.count && Transforms.isLetter(v[next + 1]) && next + 2 < v.count && (v[next + 2] == 0x20 || Transforms.isLetter(v[next + 2]))) {
            return Finding(rule: .commandAfterSeparator, shape: "command (\(word))", offset: 0)
        }
        return nil
    }

    /// `(` then (after spaces) a quote or `$`: a call with a string, as `system('id')`.
    static func isCallWithString(_ v: [UInt8], after index: Int) -> Bool {
        var cursor = index
        while cursor < v.count, v[cursor] == 0x20 { cursor += 1 }
        guard cursor < v.count, v[cursor] == UInt8(ascii: "(") else { return false }
        cursor += 1
        while cursor < v.count, v[cursor] == 0x20 { cursor += 1 }
        return cursor < v.count && [UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "$"), UInt8(ascii: "`")].contains(v[cursor])
    }
}
