/// How grave a rule's match is, graded as the OWASP Core Rule Set grades its rules.
public enum RuleSeverity: String, Sendable, CaseIterable {
    case critical, error, warning, notice
}

/// One detection rule: a stable numeric identifier (what verdicts, logs, tests and an operator's notes
/// name; never reused for another meaning), the family it belongs to (the rule an operator switches
/// between block, count and off), the paranoia level at which it runs, its severity, and a message kept
/// apart from the identifier so the words can improve without the number moving.
///
/// Numbering follows the Core Rule Set's families without borrowing its numbers: 30xxx traversal and
/// restricted files, 32xxx command injection, 41xxx XSS, 42xxx SQL injection; the hundreds digit is the
/// paranoia level (x1xx at PL1, x5xx at PL2).
public struct DetectionRule: Sendable, Hashable, Identifiable, CustomStringConvertible {
    public let id: Int
    public let family: AttackClass
    /// 1 runs by default; 2 runs only where the family's paranoia level is raised (more attacks caught,
    /// more false positives — `waf-eval --paranoia` measures both).
    public let paranoia: Int
    public let severity: RuleSeverity
    public let message: String

    init(_ id: Int, _ family: AttackClass, _ message: String, paranoia: Int = 1, severity: RuleSeverity = .critical) {
        self.id = id
        self.family = family
        self.paranoia = paranoia
        self.severity = severity
        self.message = message
    }

    public var description: String { "\(id) \(message)" }

    /// Every rule, by identifier.
    public static let all: [DetectionRule] = [
        traversalDotDot, traversalEncodedSeparator, traversalDotSlashRun, sensitiveSystemFile, restrictedFile, fileURL,
        xmlExternalEntity, traversalLoose,
        commandAfterSeparator, shellPath, shellshock, shellFunctionCall, commandSubstitution, shellExpansion, hereString,
        testBracket, cmdForLoop,
        commandLoose,
        scriptTag, eventHandler, scriptURL, attributeBreakOut, scriptStringBreakOut, scriptCall, scriptThroughCSS, unknownMarkup,
        bracketPropertyAccess, constructorChain, nonAlphanumericScript, templateLiteralCall,
        markupLoose,
        unionSelect, tautology, booleanProbe, sqlCondition, timeBased, errorBased, catalogueRead, stackedStatement,
        storedProcedure, commentTruncation, fileAccess, syntaxProbe, subqueryAfterBreakOut, functionAfterBreakOut,
        stringConcatenation, serverVariable, clauseProbe,
        sqlLoose,
    ]

    /// The rule with identifier `id`, if there is one.
    public static func withID(_ id: Int) -> DetectionRule? { all.first { $0.id == id } }

    // Traversal and restricted files.
    public static let traversalDotDot = DetectionRule(30100, .traversal, "Path traversal: ../ sequences")
    public static let traversalEncodedSeparator = DetectionRule(30110, .traversal, "Path traversal: .. with an encoded or doubled separator")
    public static let traversalDotSlashRun = DetectionRule(30120, .traversal, "Path traversal: a run of ./ segments", severity: .error)
    public static let sensitiveSystemFile = DetectionRule(30130, .traversal, "Operating-system file access (/etc, /proc, Windows system files)")
    public static let restrictedFile = DetectionRule(30140, .traversal, "Restricted file access: version control, environment, tool configuration, server logs")
    public static let fileURL = DetectionRule(30150, .traversal, "Local file access through a file: URL")
    public static let xmlExternalEntity = DetectionRule(30160, .traversal, "XML external entity declaration (XXE)")
    public static let traversalLoose = DetectionRule(30500, .traversal, "Path traversal (PL2): any .. segment or hidden file segment", paranoia: 2, severity: .warning)

    // Command injection.
    public static let commandAfterSeparator = DetectionRule(32100, .cmdi, "Command injection: a command after a shell separator")
    public static let shellPath = DetectionRule(32110, .cmdi, "Command injection: a shell or binary named by path")
    public static let shellshock = DetectionRule(32120, .cmdi, "Command injection: Shellshock function definition")
    public static let shellFunctionCall = DetectionRule(32130, .cmdi, "Command injection: a language's shell function called with a string")
    public static let commandSubstitution = DetectionRule(32140, .cmdi, "Command injection: command substitution")
    public static let shellExpansion = DetectionRule(32150, .cmdi, "Command injection: arithmetic or parameter expansion")
    public static let hereString = DetectionRule(32160, .cmdi, "Command injection: here-string", severity: .error)
    public static let testBracket = DetectionRule(32170, .cmdi, "Command injection: shell test brackets", severity: .error)
    public static let cmdForLoop = DetectionRule(32180, .cmdi, "Command injection: cmd.exe for /f or /l loop")
    public static let commandLoose = DetectionRule(32500, .cmdi, "Command injection (PL2): a command word after a separator, with or without arguments", paranoia: 2, severity: .warning)

    // Cross-site scripting.
    public static let scriptTag = DetectionRule(41100, .xss, "XSS: an element that runs script")
    public static let eventHandler = DetectionRule(41110, .xss, "XSS: an event-handler attribute")
    public static let scriptURL = DetectionRule(41120, .xss, "XSS: a javascript:, vbscript: or data: URL")
    public static let attributeBreakOut = DetectionRule(41130, .xss, "XSS: breaking out of an attribute")
    public static let scriptStringBreakOut = DetectionRule(41140, .xss, "XSS: breaking out of a script string")
    public static let scriptCall = DetectionRule(41150, .xss, "XSS: a script call (alert, eval, document.cookie …)")
    public static let scriptThroughCSS = DetectionRule(41160, .xss, "XSS: script through CSS")
    public static let unknownMarkup = DetectionRule(41170, .xss, "XSS: markup probe with an unknown element", severity: .error)
    public static let bracketPropertyAccess = DetectionRule(41180, .xss, "XSS: a global object's property by bracket notation")
    public static let constructorChain = DetectionRule(41190, .xss, "XSS: constructor chain to a function")
    public static let nonAlphanumericScript = DetectionRule(41200, .xss, "XSS: non-alphanumeric JavaScript")
    public static let templateLiteralCall = DetectionRule(41210, .xss, "XSS: template-literal call")
    public static let markupLoose = DetectionRule(41500, .xss, "XSS (PL2): any HTML tag", paranoia: 2, severity: .warning)

    // SQL injection.
    public static let unionSelect = DetectionRule(42100, .sqli, "SQL injection: UNION SELECT")
    public static let tautology = DetectionRule(42110, .sqli, "SQL injection: a comparison of literals (tautology or contradiction)")
    public static let booleanProbe = DetectionRule(42120, .sqli, "SQL injection: boolean probe after a break-out")
    public static let sqlCondition = DetectionRule(42130, .sqli, "SQL injection: condition or conditional expression")
    public static let timeBased = DetectionRule(42140, .sqli, "SQL injection: time-based (sleep, benchmark, waitfor …)")
    public static let errorBased = DetectionRule(42150, .sqli, "SQL injection: error-based function")
    public static let catalogueRead = DetectionRule(42160, .sqli, "SQL injection: schema catalogue read")
    public static let stackedStatement = DetectionRule(42170, .sqli, "SQL injection: a statement after a break-out or separator")
    public static let storedProcedure = DetectionRule(42180, .sqli, "SQL injection: stored procedure or dynamic execution")
    public static let commentTruncation = DetectionRule(42190, .sqli, "SQL injection: comment truncation")
    public static let fileAccess = DetectionRule(42200, .sqli, "SQL injection: file write or PROCEDURE ANALYSE")
    public static let syntaxProbe = DetectionRule(42210, .sqli, "SQL injection: quote-mixing syntax probe", severity: .error)
    public static let subqueryAfterBreakOut = DetectionRule(42220, .sqli, "SQL injection: subquery after a break-out")
    public static let functionAfterBreakOut = DetectionRule(42230, .sqli, "SQL injection: function call after a break-out")
    public static let stringConcatenation = DetectionRule(42240, .sqli, "SQL injection: string concatenation after a break-out", severity: .error)
    public static let serverVariable = DetectionRule(42250, .sqli, "SQL injection: server variable (@@…)")
    public static let clauseProbe = DetectionRule(42260, .sqli, "SQL injection: ORDER BY, GROUP BY or HAVING probe")
    public static let sqlLoose = DetectionRule(42500, .sqli, "SQL injection (PL2): a quote or comment next to SQL operators and keywords", paranoia: 2, severity: .warning)
}
