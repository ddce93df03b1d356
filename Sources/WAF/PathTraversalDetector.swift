/// Path traversal: `..` next to a path separator once every encoding is undone — URL encoding (done by
/// the view), overlong UTF-8 (`%c0%ae`, `%e0%80%af`…), `%u` and full-width dots and slashes, backslashes —
/// and requests for files no shop serves (`/etc/passwd`, `win.ini`, `WEB-INF/web.xml`, `/proc/self/environ`).
public enum PathTraversalDetector {
    static let sensitiveFiles = ["etc/passwd", "etc/shadow", "etc/issue", "etc/hosts", "etc/group", "etc/motd", "boot.ini", "win.ini",
                                 "system.ini", "system32", "web-inf/web.xml", "proc/self/", "proc/version", ".htaccess", ".htpasswd",
                                 "id_rsa", "/var/log/", "/var/www/", "autoexec.bat", "windows/repair",
                                 "php.ini", "my.cnf", "wp-config.php", "/etc/", "c:/windows", "c:\\windows"]

    static let sensitiveNeedles = NeedleSet(sensitiveFiles)

    /// Files and directories a web server must never hand out, by family (after CRS's restricted-files
    /// list, written from its categories rather than copied): version control, secrets and environment
    /// files, developer tools' configuration directories, server and application logs. Matched as a path
    /// component — at the value's start or after `/`, `\`, `=` or `:` — so "my .env question" or
    /// "git config tips" pass.
    static let restrictedFiles = [
        // version control
        ".git/", ".git", ".gitconfig", ".git-credentials", ".svn/", ".hg/", ".bzr/", "cvs/entries", "cvs/root",
        // secrets and environment
        ".env", ".env.", ".npmrc", ".pypirc", ".netrc", ".pgpass", ".bash_history", ".zsh_history", ".mysql_history", ".psql_history",
        ".ssh/", "id_dsa", "id_ecdsa", "id_ed25519", "authorized_keys", "known_hosts", ".aws/", ".azure/", ".gcloud/", ".docker/config.json",
        ".kube/config", ".boto", "credentials.json", "secrets.yml", "secrets.json", "master.key",
        // developer tools' configuration
        ".vscode/", ".idea/", ".ds_store", ".config/", ".terraform/", "terraform.tfstate", ".circleci/", ".github/workflows", ".travis.yml",
        "web.config", "appsettings.json", "database.yml", "config.php", "settings.py", "local_settings.py", "composer.lock",
        // logs
        "access.log", "error.log", "access_log", "error_log", "catalina.out", "laravel.log", "debug.log", "npm-debug.log", "/logs/",
    ]
    /// `restrictedFiles` by first byte, as bytes: they are tried only where a path component starts, which
    /// most values have few of — a needle search over every byte cost half again the whole inspection.
    static let restrictedByFirstByte: [[[UInt8]]] = {
        var table = [[[UInt8]]](repeating: [], count: 256)
        for file in restrictedFiles { table[Int(file.utf8.first!)].append(Array(file.utf8)) }
        return table
    }()

    /// The restricted file named at a path component's start, if any.
    static func restrictedFile(_ v: [UInt8]) -> Finding? {
        var start = 0
        while start < v.count {
            if start == 0 || [UInt8(ascii: "/"), UInt8(ascii: "="), UInt8(ascii: ":")].contains(v[start - 1]) {
                for file in restrictedByFirstByte[Int(v[start])] where start + file.count <= v.count && v[start..<(start + file.count)].elementsEqual(file) {
                    // A name that is not a directory must end there (`.env` but not `.environment-friendly`).
                    let end = start + file.count
                    let last = file[file.count - 1]
                    if last != UInt8(ascii: "/"), last != UInt8(ascii: "."), end < v.count, SQLLexer.isWordByte(v[end]) || v[end] == UInt8(ascii: "-") { continue }
                    return Finding(rule: .restrictedFile, shape: "restricted file (\(String(decoding: file, as: UTF8.self)))", offset: start)
                }
            }
            start += 1
        }
        return nil
    }

    public static func inspect(_ value: [UInt8]) -> Finding? {
        guard value.count >= 3 else { return nil }
        var v = undoHexSpelling(Transforms.lowercase(undoOverlongSeparators(value)))
        if v.contains(UInt8(ascii: "\\")) { v = v.map { $0 == UInt8(ascii: "\\") ? UInt8(ascii: "/") : $0 } }
        var index = 0
        while index + 1 < v.count {
            if v[index] == UInt8(ascii: "."), v[index + 1] == UInt8(ascii: "."), index == 0 || v[index - 1] != UInt8(ascii: ".") {
                // A run of two or more dots (`..`, and `...`, which some servers read as `../..`) between separators.
                var end = index + 2
                while end < v.count, v[end] == UInt8(ascii: ".") { end += 1 }
                let before = index == 0 ? UInt8(ascii: "/") : v[index - 1]
                let after = end < v.count ? v[end] : UInt8(ascii: "/")
                if after == UInt8(ascii: "/") && (before == UInt8(ascii: "/") || before == UInt8(ascii: "=") || before == 0x20)
                    || (before == UInt8(ascii: "/") && end == v.count) {
                    return Finding(rule: .traversalDotDot, shape: "dot-dot-slash", offset: index)
                }
                // `..X..X..X` with any odd separator X (an encoding the server may read as a slash).
                if let separator = Optional(Array(v[end..<min(end + 6, v.count)].prefix { !SQLLexer.isWordByte($0) && $0 != UInt8(ascii: ".") })),
                   !separator.isEmpty, separator != [0x20] {
                    let unit = [UInt8(ascii: "."), UInt8(ascii: ".")] + separator
                    if end + separator.count + unit.count <= v.count, v[(end + separator.count)..<(end + separator.count + unit.count)].elementsEqual(unit) {
                        return Finding(rule: .traversalEncodedSeparator, shape: "dot-dot with an encoded separator", offset: index)
                    }
                }
            }
            index += 1
        }
        for (needle, offset) in sensitiveNeedles.matches(in: v) {
            let file = sensitiveFiles[needle]
            let before = offset == 0 ? UInt8(ascii: "/") : v[offset - 1]
            if file.hasPrefix("/") || file.hasPrefix(".") || before == UInt8(ascii: "/") || before == UInt8(ascii: ".") || offset == 0 {
                return Finding(rule: .sensitiveSystemFile, shape: "sensitive file (\(file))", offset: offset)
            }
        }
        if let finding = restrictedFile(v) { return finding }
        if let offset = ByteSearch.find("./././.", in: v, from: 0) { return Finding(rule: .traversalDotSlashRun, shape: "dot-slash run", offset: offset) }
        // Files no shop serves, however the separator before them is spelled.
        for name in ["boot.ini", "win.ini", "global.asa", "system32", "web.xml"] {
            if let offset = ByteSearch.find(name, in: v, from: 0), offset == 0 || !SQLLexer.isWordByte(v[offset - 1]) {
                return Finding(rule: .sensitiveSystemFile, shape: "sensitive file (\(name))", offset: offset)
            }
        }
        if let offset = ByteSearch.find("etc", in: v, from: 0), offset == 0 || !SQLLexer.isWordByte(v[offset - 1]) {
            var cursor = offset + 3
            let separatorStart = cursor
            while cursor < v.count, cursor - separatorStart < 6, !SQLLexer.isWordByte(v[cursor]) || v[cursor] == UInt8(ascii: "%") { cursor += 1 }
            if cursor > separatorStart, ["passwd", "shadow", "issue", "hosts", "group"].contains(where: { XSSDetector.matches($0, v, at: cursor) }) {
                return Finding(rule: .sensitiveSystemFile, shape: "sensitive file (etc)", offset: offset)
            }
        }
        if let offset = ByteSearch.find("file:/", in: v, from: 0) { return Finding(rule: .fileURL, shape: "file URL", offset: offset) }
        return externalEntity(v)
    }

    /// An XML external entity declaration, `<!ENTITY name SYSTEM "…">` or `PUBLIC`: whatever it names (a
    /// file, a URL, an `expect://` command), a request has no business declaring one.
    static func externalEntity(_ v: [UInt8]) -> Finding? {
        var from = 0
        while let offset = ByteSearch.find("<!entity", in: v, from: from) {
            let window = Array(v[offset..<min(v.count, offset + 160)])
            if ByteSearch.find(" system", in: window, from: 8) != nil || ByteSearch.find(" public", in: window, from: 8) != nil {
                return Finding(rule: .xmlExternalEntity, shape: "XML external entity", offset: offset)
            }
            from = offset + 8
        }
        return nil
    }

    /// `0x2e`, `0x2f`, `0x5c` written out as text (dotdotpwn's forms) as the characters.
    static func undoHexSpelling(_ v: [UInt8]) -> [UInt8] {
        guard ByteSearch.find("0x", in: v, from: 0) != nil else { return v }
        var output: [UInt8] = []
        var index = 0
        while index < v.count {
            if index + 4 <= v.count, v[index] == UInt8(ascii: "0"), v[index + 1] == UInt8(ascii: "x"),
               let code = Transforms.hexValue(v[(index + 2)..<(index + 4)]), code == 0x2E || code == 0x2F || code == 0x5C {
                output.append(UInt8(code))
                index += 4
                continue
            }
            output.append(v[index])
            index += 1
        }
        return output
    }

    /// Overlong UTF-8 and look-alike code points for `.`, `/` and `\` as the ASCII they stand for (old
    /// servers decoded them so); everything else as it was.
    static func undoOverlongSeparators(_ v: [UInt8]) -> [UInt8] {
        guard v.contains(where: { $0 >= 0xC0 }) else { return v }
        var output: [UInt8] = []
        output.reserveCapacity(v.count)
        var index = 0
        while index < v.count {
            let lead = v[index]
            var length = 0
            if lead & 0xE0 == 0xC0 { length = 2 } else if lead & 0xF0 == 0xE0 { length = 3 } else if lead & 0xF8 == 0xF0 { length = 4 }
            else if lead & 0xFC == 0xF8 { length = 5 } else if lead & 0xFE == 0xFC { length = 6 }
            // IIS read a two-byte C0/C1 sequence by its low bits whatever the second byte's top bits (`%c1%1c` is `\\`).
            if lead == 0xC0 || lead == 0xC1, index + 1 < v.count {
                let code = UInt32(lead & 1) << 6 | UInt32(v[index + 1] & 0x3F)
                if code == 0x2E || code == 0x2F || code == 0x5C {
                    output.append(UInt8(code))
                    index += 2
                    continue
                }
                if [UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: "\\")].contains(v[index + 1]) {
                    index += 1  // a stray lead byte before a separator
                    continue
                }
            }
            if length > 0, index + length <= v.count, v[(index + 1)..<(index + length)].allSatisfy({ $0 & 0xC0 == 0x80 }) {
                var code = UInt32(lead & (0x7F >> UInt8(length)))
                for byte in v[(index + 1)..<(index + length)] { code = code << 6 | UInt32(byte & 0x3F) }
                switch code {
                case 0x2E, 0xFF0E, 0x2024: output.append(UInt8(ascii: ".")); index += length; continue
                case 0x2F, 0xFF0F, 0x2215, 0x2044: output.append(UInt8(ascii: "/")); index += length; continue
                case 0x5C, 0xFF3C, 0x2216: output.append(UInt8(ascii: "\\")); index += length; continue
                default: break
                }
            }
            output.append(lead)
            index += 1
        }
        return output
    }
}
