/// A mistake on the command line. Printed with a pointer to `--help`; the process exits with status 2.
struct UsageError: Error, Equatable, CustomStringConvertible {
    let message: String
    /// The command whose help to point at (nil: the top level).
    let command: String?

    var description: String { message }
}

/// One option a command accepts.
struct OptionSpec: Sendable {
    /// `--name`.
    let name: String
    /// Placeholder for the value (`DIR`); nil for a flag that takes none.
    let valueName: String?
    let help: String
    var repeatable = false
}

/// One positional argument.
struct PositionalSpec: Sendable {
    let name: String
    let help: String
    var optional = false
    /// When set, the argument must be one of these.
    var choices: [String]? = nil
}

/// A command's interface, from which both parsing and `--help` come.
struct CommandSpec: Sendable {
    let name: String
    let summary: String
    var positionals: [PositionalSpec] = []
    var options: [OptionSpec] = []

    var usageLine: String {
        var parts = ["shopdeck", name]
        for positional in positionals {
            let text = positional.choices.map { "[\($0.joined(separator: "|"))]" } ?? positional.name
            parts.append(positional.optional && positional.choices == nil ? "[\(text)]" : text)
        }
        for option in options {
            parts.append("[\(option.name)\(option.valueName.map { " \($0)" } ?? "")]")
        }
        return parts.joined(separator: " ")
    }

    var helpText: String {
        var lines = ["usage: \(usageLine)", "", summary]
        if !positionals.isEmpty {
            lines += ["", "arguments:"]
            for positional in positionals { lines.append(Self.row(positional.name, positional.help)) }
        }
        lines += ["", "options:"]
        for option in options {
            lines.append(Self.row(option.name + (option.valueName.map { " \($0)" } ?? ""), option.help))
        }
        lines.append(Self.row("--help", "show this help"))
        return lines.joined(separator: "\n")
    }

    private static func row(_ name: String, _ help: String) -> String {
        let padded = name.count < 26 ? name + String(repeating: " ", count: 26 - name.count) : name + "  "
        return "  " + padded + help
    }
}

/// What was given on the command line for one command.
struct ParsedArguments: Sendable {
    let command: String
    var positionals: [String] = []
    var values: [String: [String]] = [:]
    var flags: Set<String> = []
    var wantsHelp = false

    func flag(_ name: String) -> Bool { flags.contains(name) }
    func value(_ name: String) -> String? { values[name]?.last }
    func all(_ name: String) -> [String] { values[name] ?? [] }

    func invalid(_ option: String, _ value: String, _ reason: String) -> UsageError {
        UsageError(message: "invalid value \"\(value)\" for \(option): \(reason)", command: command)
    }
}

/// Parses `arguments` (without the program name) against `spec`: `--name value`, `--name=value`, flags,
/// positionals; `--` ends options. Unknown options and missing values are usage errors naming the option.
func parse(_ arguments: [String], for spec: CommandSpec) throws(UsageError) -> ParsedArguments {
    var parsed = ParsedArguments(command: spec.name)
    var index = 0
    var onlyPositionals = false
    while index < arguments.count {
        let argument = arguments[index]
        index += 1
        if onlyPositionals || !argument.hasPrefix("-") || argument == "-" {
            parsed.positionals.append(argument)
            continue
        }
        if argument == "--" {
            onlyPositionals = true
            continue
        }
        if argument == "--help" || argument == "-h" {
            parsed.wantsHelp = true
            continue
        }
        var name = argument
        var inlineValue: String? = nil
        if let equals = argument.firstIndex(of: "=") {
            name = String(argument[..<equals])
            inlineValue = String(argument[argument.index(after: equals)...])
        }
        guard let option = spec.options.first(where: { $0.name == name }) else {
            throw UsageError(message: "unknown option \(name) for \"shopdeck \(spec.name)\"", command: spec.name)
        }
        guard option.valueName != nil else {
            if inlineValue != nil { throw UsageError(message: "\(name) takes no value", command: spec.name) }
            parsed.flags.insert(name)
            continue
        }
        let value: String
        if let inlineValue {
            value = inlineValue
        } else {
            guard index < arguments.count else {
                throw UsageError(message: "\(name) needs a value (\(option.valueName!))", command: spec.name)
            }
            value = arguments[index]
            index += 1
        }
        if !option.repeatable, parsed.values[name] != nil {
            throw UsageError(message: "\(name) given more than once", command: spec.name)
        }
        parsed.values[name, default: []].append(value)
    }
    if parsed.wantsHelp { return parsed }
    let required = spec.positionals.filter { !$0.optional }.count
    guard parsed.positionals.count >= required else {
        let missing = spec.positionals[parsed.positionals.count]
        throw UsageError(message: "missing argument \(missing.name)", command: spec.name)
    }
    guard parsed.positionals.count <= spec.positionals.count else {
        throw UsageError(message: "unexpected argument \"\(parsed.positionals[spec.positionals.count])\"", command: spec.name)
    }
    for (value, positional) in zip(parsed.positionals, spec.positionals) {
        if let choices = positional.choices, !choices.contains(value) {
            throw UsageError(message: "unknown \(positional.name) \"\(value)\" (choose from \(choices.joined(separator: ", ")))", command: spec.name)
        }
    }
    return parsed
}
