#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// An exclusive lock on a directory, held through a `LOCK` file until `release()` or until this value goes away.
///
/// It uses `flock`, so the kernel releases it when the process dies (even by SIGKILL), and a second
/// open in the same process conflicts too. The holder's pid is written into the file so the loser
/// can say who holds it.
public final class DirectoryLock: Sendable {
    /// The lock file.
    public let path: String
    private let fd: Mutex<Int32?>

    /// Takes the lock on `directory` (created if missing), or throws `JournalError.locked` naming the holder.
    public init(directory: String) throws(JournalError) {
        try FileSystem.createDirectory(directory)
        path = directory + "/LOCK"
        let fd = try FileSystem.openFile(path, flags: O_RDWR | O_CREAT, mode: 0o644)
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            let holder = Self.readPID(fd)
            close(fd)
            if code == EWOULDBLOCK { throw .locked(path: directory, holderPID: holder) }
            throw .io(operation: "flock", path: path, errno: code)
        }
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress!, $0.count, 0) }
        self.fd = Mutex(fd)
    }

    /// Gives the lock up; later calls do nothing.
    public func release() {
        fd.withLock { held in
            guard let descriptor = held else { return }
            flock(descriptor, LOCK_UN)
            close(descriptor)
            held = nil
        }
    }

    deinit {
        release()
    }

    private static func readPID(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, 31, 0) }
        guard n > 0 else { return nil }
        let text = String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: [" ", "\n"])
        return Int32(text)
    }
}

extension String {
    func trimmingCharacters(in set: Set<Character>) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice.removeFirst() }
        while let last = slice.last, set.contains(last) { slice.removeLast() }
        return String(slice)
    }
}
