#if canImport(Glibc)
import Glibc
#endif

/// Linux's `O_DIRECT`, which Swift's Glibc module does not export (glibc defines it only under `_GNU_SOURCE`);
/// its value differs between architectures.
#if arch(x86_64) || arch(i386)
private let directFlag: Int32? = 0o40000
#elseif arch(arm64) || arch(arm)
private let directFlag: Int32? = 0o200000
#else
private let directFlag: Int32? = nil
#endif

/// Thin, typed wrappers over the POSIX calls the journal needs. Every failure names the call and the path.
package enum FileSystem {
    package static func openFile(_ path: String, flags: Int32, mode: mode_t = 0o644) throws(JournalError) -> Int32 {
        while true {
            let fd = open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            if errno == EINTR { continue }
            throw .io(operation: "open", path: path, errno: errno)
        }
    }

    /// Opens `path` for writes that bypass the page cache and are durable on return (`O_DIRECT | O_DSYNC`),
    /// or returns nil where the file system does not support direct I/O.
    package static func openForDirectWrites(_ path: String) throws(JournalError) -> Int32? {
        guard let direct = directFlag else { return nil }
        while true {
            let fd = open(path, O_WRONLY | direct | O_DSYNC | O_CLOEXEC)
            if fd >= 0 { return fd }
            if errno == EINTR { continue }
            if errno == EINVAL { return nil }
            throw .io(operation: "open", path: path, errno: errno)
        }
    }

    /// Writes all of `buffer` at `offset`.
    package static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, at offset: Int, path: String) throws(JournalError) {
        var done = 0
        while done < buffer.count {
            let n = pwrite(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "write", path: path, errno: errno)
            }
            done += n
        }
    }

    /// Reads the whole file.
    package static func readAll(_ path: String) throws(JournalError) -> [UInt8] {
        let fd = try openFile(path, flags: O_RDONLY)
        defer { close(fd) }
        let size = try fileSize(fd, path: path)
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = bytes.withUnsafeMutableBytes { raw in pread(fd, raw.baseAddress! + done, size - done, off_t(done)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "read", path: path, errno: errno)
            }
            if n == 0 { break }
            done += n
        }
        if done < size { bytes.removeSubrange(done...) }
        return bytes
    }

    package static func fileSize(_ fd: Int32, path: String) throws(JournalError) -> Int {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .io(operation: "stat", path: path, errno: errno) }
        return Int(info.st_size)
    }

    package static func syncData(_ fd: Int32, path: String) throws(JournalError) {
        while fdatasync(fd) != 0 {
            if errno == EINTR { continue }
            throw .io(operation: "fdatasync", path: path, errno: errno)
        }
    }

    package static func syncFile(_ fd: Int32, path: String) throws(JournalError) {
        while fsync(fd) != 0 {
            if errno == EINTR { continue }
            throw .io(operation: "fsync", path: path, errno: errno)
        }
    }

    /// Makes a directory's entries (created, renamed, removed files) durable.
    package static func syncDirectory(_ path: String) throws(JournalError) {
        let fd = try openFile(path, flags: O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        try syncFile(fd, path: path)
    }

    package static func truncate(_ path: String, to size: Int) throws(JournalError) {
        let fd = try openFile(path, flags: O_WRONLY)
        defer { close(fd) }
        guard ftruncate(fd, off_t(size)) == 0 else { throw .io(operation: "truncate", path: path, errno: errno) }
        try syncFile(fd, path: path)
    }

    package static func createDirectory(_ path: String) throws(JournalError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw .io(operation: "mkdir", path: prefix, errno: errno)
            }
            prefix += "/"
        }
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw .io(operation: "mkdir", path: path, errno: ENOTDIR)
        }
    }

    package static func listDirectory(_ path: String) throws(JournalError) -> [String] {
        guard let dir = opendir(path) else { throw .io(operation: "opendir", path: path, errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    package static func remove(_ path: String) throws(JournalError) {
        if unlink(path) != 0 && errno != ENOENT { throw .io(operation: "unlink", path: path, errno: errno) }
    }

    package static func rename(_ from: String, to: String) throws(JournalError) {
        if Glibc.rename(from, to) != 0 { throw .io(operation: "rename", path: from, errno: errno) }
    }
}

extension Array where Element == UInt8 {
    /// `withUnsafeBytes` for bodies with a typed error (the standard library's version is `rethrows`,
    /// which widens the error to `any Error`).
    @inlinable
    package func withBytes<Result>(_ body: (UnsafeRawBufferPointer) throws(JournalError) -> Result) throws(JournalError) -> Result {
        let outcome: Swift.Result<Result, JournalError> = withUnsafeBytes { raw in
            Swift.Result { () throws(JournalError) in try body(raw) }
        }
        return try outcome.get()
    }
}
