import Foundation
import Hashing
import Synchronization

/// The bearer tokens of the admin API: `DIR/admin-token` may change anything, `DIR/viewer-token` may only
/// read (both mode 0600, made on first start). Each request's token is compared with the files' current
/// contents: a file is re-read when its inode, size or modification time changed, so a token rotated by
/// `shopdeck tokens rotate` (or the admin route) takes effect at once, in a running shop, and the old one
/// stops working.
public final class AccessTokens: Sendable {
    public enum Role: String, Sendable, CaseIterable {
        case admin, viewer

        var fileName: String { "\(rawValue)-token" }
    }

    private struct Loaded {
        var token: String
        var identity: FileIdentity
    }

    /// What tells a rewritten file from the one read before.
    struct FileIdentity: Equatable {
        var inode: UInt64
        var size: Int64
        var modifiedSeconds: Int
        var modifiedNanoseconds: Int

        init?(path: String) {
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            inode = UInt64(info.st_ino)
            size = Int64(info.st_size)
            modifiedSeconds = info.st_mtim.tv_sec
            modifiedNanoseconds = info.st_mtim.tv_nsec
        }
    }

    private let directory: String
    private let loaded: Mutex<[Role: Loaded]>

    /// Reads both tokens, making either that does not exist yet.
    init(directory: String) throws(CoreError) {
        self.directory = directory
        var tokens: [Role: Loaded] = [:]
        for role in Role.allCases {
            let path = directory + "/" + role.fileName
            let token = try SecretFiles.loadOrCreate(path, byteCount: 24)
            tokens[role] = Loaded(token: token, identity: FileIdentity(path: path) ?? FileIdentity.missing)
        }
        loaded = Mutex(tokens)
    }

    /// The role `presented` grants, if any.
    public func role(of presented: String) -> Role? {
        let bytes = Array(presented.utf8)
        for role in Role.allCases where ConstantTime.equals(bytes, Array(token(role).utf8)) { return role }
        return nil
    }

    /// A role's current token (re-read if its file changed).
    public func token(_ role: Role) -> String {
        let path = directory + "/" + role.fileName
        let identity = FileIdentity(path: path)
        return loaded.withLock { tokens in
            guard let current = tokens[role] else { return "" }
            guard let identity, identity != current.identity else { return current.token }
            // A file that cannot be read now (mid-rewrite, or damaged) leaves the token in memory in force.
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return current.token }
            let token = text.trimmingCharacters(in: .whitespaces)
            guard token.utf8.count >= 32 else { return current.token }
            tokens[role] = Loaded(token: token, identity: identity)
            return token
        }
    }

    /// Writes a new token for `role` into the data directory (synced, then renamed over the old file) and
    /// returns it. A running shop takes it at its next request.
    @discardableResult
    public static func rotate(_ role: Role, directory: String) throws(CoreError) -> String {
        let token: String
        do {
            token = try SecureRandom.hexToken(byteCount: 24)
        } catch {
            throw CoreError("cannot make a new \(role.rawValue) token: \(error)")
        }
        try write(token, role: role, directory: directory)
        return token
    }

    /// Puts `token` in `role`'s file (synced, then renamed over the old one): a rotation, or a token several
    /// instances share, agreed through their store.
    static func write(_ token: String, role: Role, directory: String) throws(CoreError) {
        try SecretFiles.replace(directory + "/" + role.fileName, with: token)
    }

    /// `rotate` for this shop's directory, taking effect at once.
    func rotate(_ role: Role) throws(CoreError) -> String {
        let token = try Self.rotate(role, directory: directory)
        _ = self.token(role)
        return token
    }
}

extension AccessTokens.FileIdentity {
    static let missing = AccessTokens.FileIdentity(inode: 0, size: -1, modifiedSeconds: 0, modifiedNanoseconds: 0)

    init(inode: UInt64, size: Int64, modifiedSeconds: Int, modifiedNanoseconds: Int) {
        self.inode = inode
        self.size = size
        self.modifiedSeconds = modifiedSeconds
        self.modifiedNanoseconds = modifiedNanoseconds
    }
}
