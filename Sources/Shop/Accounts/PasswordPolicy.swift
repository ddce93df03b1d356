import Foundation
import Telemetry

/// What a password and an e-mail address must look like.
public enum PasswordPolicy {
    public static let minimumLength = 10
    public static let maximumLength = 128

    /// The words most common passwords are made of (from the published top lists of breached passwords):
    /// a password whose letters, once look-alike digits and symbols are read as letters and the digits and
    /// symbols around them are dropped, are one of these, or none at all, is refused. `Password1!`,
    /// `P@ssw0rd2024` and `qwerty123456` all come down to a word here.
    static let commonWords: Set<String> = [
        "password", "passwort", "passwd", "pass", "qwerty", "qwertyuiop", "asdfgh", "asdfghjkl", "zxcvbnm", "qazwsx", "abc", "abcdef",
        "abcdefg", "iloveyou", "letmein", "welcome", "admin", "administrator", "root", "login", "master", "monkey", "dragon",
        "football", "baseball", "soccer", "hockey", "sunshine", "princess", "shadow", "superman", "batman", "starwars", "trustno",
        "hello", "freedom", "whatever", "secret", "changeme", "default", "guest", "test", "user", "summer", "winter", "spring",
        "autumn", "flower", "jesus", "love", "lovely", "michael", "jennifer", "jordan", "charlie", "daniel", "thomas", "ashley",
        "mustang", "access", "computer", "internet", "cheese", "chocolate", "pokemon", "naruto", "killer", "hunter", "ninja",
        "azerty", "solo", "ginger", "pepper", "matrix", "google", "samsung", "apple", "shopdeck", "shop",
    ]

    /// The word a password is made of, as `commonWords` compares it.
    static func coreWord(_ password: String) -> String {
        let lookAlikes: [Character: Character] = ["0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "@": "a", "$": "s",
                                                  "!": "i", "|": "l", "+": "t"]
        var folded = Array(password.lowercased())
        // Digits and symbols at either end are padding, not letters in disguise: `Password1!` is `password`.
        while let last = folded.last, !last.isLetter { folded.removeLast() }
        while let first = folded.first, !first.isLetter { folded.removeFirst() }
        return String(folded.compactMap { lookAlikes[$0] ?? ($0.isLetter ? $0 : nil) })
    }

    /// Why `password` is refused for `email`, or nil when it is acceptable.
    public static func problem(with password: String, email: String) -> String? {
        let length = password.count
        if length < minimumLength { return "the password must be at least \(minimumLength) characters long" }
        if length > maximumLength || password.utf8.count > 4 * maximumLength {
            return "the password must be at most \(maximumLength) characters long"
        }
        let hasLetter = password.contains { $0.isLetter }
        let hasOther = password.contains { !$0.isLetter }
        if !hasLetter || !hasOther { return "the password must mix letters with digits or symbols" }
        if Set(password).count < 4 { return "the password must use at least 4 different characters" }
        let lowered = password.lowercased()
        let core = coreWord(password)
        if core.count < 3 || commonWords.contains(core) || commonWords.contains(where: { core.count <= $0.count + 2 && core.hasPrefix($0) && $0.count >= 5 }) {
            return "the password is too common (it comes down to \"\(core.isEmpty ? "digits and symbols" : core)\", which is near the top of breached-password lists)"
        }
        if let local = email.split(separator: "@").first, local.count >= 3, lowered.contains(local.lowercased()) {
            return "the password must not contain the e-mail address"
        }
        return nil
    }

    /// The address in canonical form (trimmed, Unicode NFC, lowercase), or why it is refused. Control and
    /// format characters (NUL, ESC, BEL, U+202E, U+200B…) are refused, not stripped: `alice@example.com\u{0}`
    /// must not become a second account beside `alice@example.com`, nor reach a log or a terminal.
    public static func normalizedEmail(_ email: String) -> Result<String, PolicyViolation> {
        if let hidden = email.unicodeScalars.first(where: TextSafety.isControlOrFormat) {
            return .failure(PolicyViolation(message: "email must not contain control or invisible characters (found U+\(String(format: "%04X", hidden.value)))"))
        }
        let trimmed = email.trimmingCharacters(in: .whitespaces).precomposedStringWithCanonicalMapping.lowercased()
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard trimmed.utf8.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 64,
              parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              !trimmed.contains(where: { $0.isWhitespace || $0.isNewline || $0 == "<" || $0 == ">" }) else {
            return .failure(PolicyViolation(message: "email must be an address such as name@example.com"))
        }
        return .success(trimmed)
    }

    public struct PolicyViolation: Error, Sendable {
        public let message: String
    }
}

extension String {
    func trimmingCharacters(in set: CharacterSetKind) -> String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }

    enum CharacterSetKind { case whitespaces }
}
