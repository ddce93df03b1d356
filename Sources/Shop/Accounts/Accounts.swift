import Addressing
import Foundation
import Hashing
import Store
import Synchronization
import Telemetry

/// A registered user, as stored (the password only as a salted PBKDF2 hash).
struct StoredUser: Codable, Sendable {
    var userId: String
    var email: String
    var salt: String
    var passwordHash: String
    var iterations: Int
    var createdAt: Date
}

/// Settings for accounts.
public struct AccountOptions: Sendable {
    /// PBKDF2-HMAC-SHA256 rounds for new passwords (about 0.1 s of one core at the default).
    public var passwordIterations = 100_000
    public var tokenLifetimeSeconds: Double = 24 * 3600
    /// Failed sign-ins for one address within `failureWindowSeconds` that lock it…
    public var lockoutThreshold = 5
    public var failureWindowSeconds: Double = 15 * 60
    /// …for this long.
    public var lockoutSeconds: Double = 15 * 60

    public init() {}
}

/// Sign-up, sign-in, sign-out and bearer-token checks.
public final class Accounts: Sendable {
    static let usersTable = "users"
    static let revokedTable = "revoked-tokens"

    private let store: any DocumentStore
    private let audit: AuditTrail
    private let clock: any WallClock
    private let signer: TokenSigner
    private let options: AccountOptions
    /// Password hashing is CPU-heavy: it runs on threads of its own, with a bounded queue.
    private let hasher = BlockingExecutor(threads: 1, name: "password-hash", maxQueued: 64)
    private let revoked = Mutex<Set<String>>([])
    private let failures = Mutex<[String: (count: Int, since: Double, lockedUntil: Double?)]>([:])
    /// Where each sign-in's address and account are noted for the dossier.
    private let activity: AddressActivity?

    init(store: any DocumentStore, audit: AuditTrail, clock: any WallClock, signingKey: [UInt8], options: AccountOptions, activity: AddressActivity? = nil) {
        self.activity = activity
        self.store = store
        self.audit = audit
        self.clock = clock
        self.signer = TokenSigner(key: signingKey)
        self.options = options
    }

    deinit {
        hasher.stop()
    }

    func prepare() async throws(StoreError) {
        try await store.ensureTable(TableSchema(name: Self.usersTable, partitionKey: KeyAttribute("email", .string)))
        try await store.ensureTable(TableSchema(name: Self.revokedTable, partitionKey: KeyAttribute("tokenId", .string)))
        try await store.setTimeToLive(table: Self.revokedTable, attribute: "expiresAt")
        var loaded: Set<String> = []
        var cursor: PageCursor?
        repeat {
            let page = try await store.scan(Self.revokedTable, ScanRequest(startAfter: cursor))
            for item in page.items { if case .string(let id)? = item["tokenId"] { loaded.insert(id) } }
            cursor = page.nextCursor
        } while cursor != nil
        revoked.withLock { $0 = loaded }
    }

    // MARK: Sign-up and sign-in

    /// Registers a user: `invalid` for a bad address or a password the policy refuses (saying why), a conflict
    /// if the address is taken.
    public func signUp(email rawEmail: String, password: String) async throws(ShopError) -> (userId: String, email: String) {
        let email: String
        switch PasswordPolicy.normalizedEmail(rawEmail) {
        case .success(let normalized): email = normalized
        case .failure(let violation): throw ShopError.invalid(violation.message)
        }
        if let problem = PasswordPolicy.problem(with: password, email: email) { throw ShopError.invalid(problem) }
        let salt = (try? SecureRandom.bytes(count: 16)) ?? Array(UUID().uuidString.utf8.prefix(16))
        let hash = try await derive(password, salt: salt, iterations: options.passwordIterations)
        let user = StoredUser(userId: "u-" + ((try? SecureRandom.hexToken(byteCount: 8)) ?? UUID().uuidString.prefix(16).lowercased()),
                              email: email, salt: Hex.encode(salt), passwordHash: Hex.encode(hash),
                              iterations: options.passwordIterations, createdAt: clock.now())
        do {
            _ = try await store.put(Self.usersTable, StoredDocument.item(user, keys: ["email": .string(email)], native: ["userId": .string(user.userId)]),
                                    condition: .notExists("email"))
        } catch {
            if case .conditionalCheckFailed = error { throw ShopError.conflict("an account with this email already exists") }
            throw ShopError.storage(error)
        }
        return (user.userId, email)
    }

    /// Signs in: a token on success; `unauthenticated` for a wrong address or password (the same answer for
    /// both); `locked` while the address is locked after repeated failures.
    public func signIn(email rawEmail: String, password: String, clientIP: IPAddress) async throws(ShopError) -> (token: String, expiresAt: Date) {
        let email = (try? PasswordPolicy.normalizedEmail(rawEmail).get()) ?? rawEmail.lowercased()
        let now = clock.now().timeIntervalSince1970
        if let lockedUntil = lockedUntil(email, now: now) {
            throw ShopError(.locked(retryAfterSeconds: max(1, Int((lockedUntil - now).rounded(.up)))),
                            "too many failed sign-ins for this account; try again later")
        }
        let stored: StoredUser?
        do {
            stored = try await store.get(Self.usersTable, key: ["email": .string(email)]).flatMap { StoredDocument.decode(StoredUser.self, from: $0) }
        } catch {
            throw ShopError.storage(error)
        }
        // Hash even for an unknown address, so the answer takes as long either way.
        let salt = stored.flatMap { Hex.decode($0.salt) } ?? Array(repeating: 0, count: 16)
        let hash = try await derive(password, salt: salt, iterations: stored?.iterations ?? options.passwordIterations)
        guard let user = stored, let expected = Hex.decode(user.passwordHash), ConstantTime.equals(hash, expected) else {
            await recordFailure(email, clientIP: clientIP, now: now)
            throw ShopError(.unauthenticated, "wrong email or password")
        }
        activity?.record(.signedIn, from: clientIP, account: user.userId, at: clock.now())
        _ = failures.withLock { $0.removeValue(forKey: email) }
        let expiresAt = Date(timeIntervalSince1970: (now + options.tokenLifetimeSeconds).rounded(.down))
        let tokenId = (try? SecureRandom.hexToken(byteCount: 12)) ?? UUID().uuidString
        return (signer.issue(userId: user.userId, tokenId: tokenId, expiresAt: expiresAt), expiresAt)
    }

    /// Ends a session: its token stops working at once and stays refused after a restart.
    public func signOut(_ session: UserSession) async throws(ShopError) {
        revoked.withLock { _ = $0.insert(session.tokenId) }
        do {
            _ = try await store.put(Self.revokedTable, ["tokenId": .string(session.tokenId),
                                                        "expiresAt": .number(Int(session.expiresAt.timeIntervalSince1970) + 60)])
        } catch {
            throw ShopError.storage(error)
        }
    }

    /// The session a bearer token stands for: `unauthenticated` when there is none, or it is malformed,
    /// forged, expired or signed out.
    public func authenticate(bearer token: String?) throws(ShopError) -> UserSession {
        guard let token else { throw ShopError(.unauthenticated, "sign in and send Authorization: Bearer <token>") }
        guard let session = signer.verify(token) else {
            throw ShopError(.unauthenticated, "the token is not valid")
        }
        guard session.expiresAt > clock.now() else {
            throw ShopError(.unauthenticated, "the token has expired; sign in again")
        }
        guard !revoked.withLock({ $0.contains(session.tokenId) }) else {
            throw ShopError(.unauthenticated, "the token was signed out")
        }
        return session
    }

    /// Whether a token is a valid user token (for telling "not signed in" from "not allowed" on admin routes).
    public func isUserToken(_ token: String) -> Bool {
        signer.verify(token) != nil
    }

    // MARK: Lockout

    private func lockedUntil(_ email: String, now: Double) -> Double? {
        failures.withLock { table in
            guard let until = table[email]?.lockedUntil else { return nil }
            if until > now { return until }
            table.removeValue(forKey: email)
            return nil
        }
    }

    private func recordFailure(_ email: String, clientIP: IPAddress, now: Double) async {
        activity?.record(.signInFailed, from: clientIP, account: email, at: clock.now())
        let justLocked: Bool = failures.withLock { table in
            var entry = table[email] ?? (count: 0, since: now, lockedUntil: nil)
            if now - entry.since > options.failureWindowSeconds { entry = (0, now, nil) }
            entry.count += 1
            var locked = false
            if entry.count >= options.lockoutThreshold, entry.lockedUntil == nil {
                entry.lockedUntil = now + options.lockoutSeconds
                locked = true
            }
            table[email] = entry
            if table.count > 100_000 { table = table.filter { now - $0.value.since <= options.failureWindowSeconds || ($0.value.lockedUntil ?? 0) > now } }
            return locked
        }
        if justLocked {
            activity?.record(.lockedOut, from: clientIP, account: email, at: clock.now())
            _ = try? await audit.record(actor: "ip:\(clientIP)", action: "account.locked",
                                        detail: "\(email) locked for \(Int(options.lockoutSeconds)) s after \(options.lockoutThreshold) failed sign-ins")
        }
    }

    private func derive(_ password: String, salt: [UInt8], iterations: Int) async throws(ShopError) -> [UInt8] {
        let bytes = Array(password.utf8)
        let result = await hasher.runIfNotSaturated { () -> [UInt8]? in
            try? PBKDF2.deriveKey(password: bytes, salt: salt, iterations: max(1, iterations), keyByteCount: 32)
        }
        guard let derived = result ?? nil else { throw ShopError(.overloaded, "too many sign-ins at once; retry in a moment") }
        return derived
    }
}
