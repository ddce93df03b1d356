/// What a password and an e-mail address must look like.
public enum PasswordPolicy {
    public static let minimumLength = 10
    public static let maximumLength = 128

    private static let common: Set<String> = [
        "password123", "password1234", "1234567890", "12345678910", "qwertyuiop", "qwerty12345", "iloveyou123",
        "letmein1234", "welcome123", "admin12345", "abc1234567", "passw0rd123", "changeme123", "0123456789",
    ]

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
        if common.contains(lowered) { return "the password is too common" }
        if let local = email.split(separator: "@").first, local.count >= 3, lowered.contains(local.lowercased()) {
            return "the password must not contain the e-mail address"
        }
        return nil
    }

    /// The address in canonical form (trimmed, lowercase), or why it is refused.
    public static func normalizedEmail(_ email: String) -> Result<String, PolicyViolation> {
        let trimmed = email.trimmingCharacters(in: .whitespaces).lowercased()
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
