import Foundation
import Hashing

/// Secrets kept as files in the data directory, readable by the owner only (mode 0600): the admin token and
/// the token-signing key. Created on first start; an existing file with looser permissions is tightened.
enum SecretFiles {
    /// The secret in `path`, created with `byteCount` random bytes (as hex) if the file does not exist.
    static func loadOrCreate(_ path: String, byteCount: Int) throws(CoreError) -> String {
        let manager = FileManager.default
        if manager.fileExists(atPath: path) {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw CoreError("cannot read \(path); it must be readable by the user running shopdeck")
            }
            let secret = text.trimmingCharacters(in: .whitespaces)
            guard secret.utf8.count >= 32 else { throw CoreError("\(path) holds no usable secret (delete it to make a new one)") }
            chmod(path, 0o600)
            return secret
        }
        let secret: String
        do {
            secret = try SecureRandom.hexToken(byteCount: byteCount)
        } catch {
            throw CoreError("cannot create \(path): \(error)")
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CoreError("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array((secret + "\n").utf8)
        guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count, fsync(fd) == 0 else {
            throw CoreError("cannot write \(path): \(String(cString: strerror(errno)))")
        }
        return secret
    }

    /// Writes `secret` over the file at `path` (synced, then renamed into place, mode 0600).
    static func replace(_ path: String, with secret: String) throws(CoreError) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CoreError("cannot write \(temporary): \(String(cString: strerror(errno)))") }
        let bytes = Array((secret + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced, rename(temporary, path) == 0 else {
            throw CoreError("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }
}
