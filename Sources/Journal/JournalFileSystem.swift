#if canImport(Glibc)
import Glibc
#endif

/// The file operations the journal makes — the seam under it. `PosixFileSystem` is the real one;
/// `SimulatedFileSystem` keeps files in memory, loses what was not synced when it "crashes", tears the last
/// write, and can fail a sync or run out of space, so tests can crash the journal at every sync point.
///
/// Descriptors are plain `Int32`s: the real ones are the kernel's, the simulation hands out its own.
public protocol JournalFileSystem: Sendable {
    func openFile(_ path: String, flags: Int32, mode: mode_t) throws(JournalError) -> Int32
    func closeFile(_ fd: Int32)
    /// Writes all of `buffer` at `offset`.
    func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, at offset: Int, path: String) throws(JournalError)
    func readAll(_ path: String) throws(JournalError) -> [UInt8]
    /// Makes the file's data (and the size needed to read it) durable: `fdatasync`.
    func syncData(_ fd: Int32, path: String) throws(JournalError)
    /// Makes the file's data and metadata durable: `fsync`.
    func syncFile(_ fd: Int32, path: String) throws(JournalError)
    /// Makes a directory's entries (created, renamed, removed files) durable.
    func syncDirectory(_ path: String) throws(JournalError)
    /// Cuts the file to `size` bytes, durably.
    func truncate(_ path: String, to size: Int) throws(JournalError)
    func createDirectory(_ path: String) throws(JournalError)
    func listDirectory(_ path: String) throws(JournalError) -> [String]
    func remove(_ path: String) throws(JournalError)
    func rename(_ from: String, to: String) throws(JournalError)
    /// Takes the directory's exclusive lock, or throws `.locked`.
    func lockDirectory(_ directory: String) throws(JournalError) -> any DirectoryLocking
}

extension JournalFileSystem {
    func openFile(_ path: String, flags: Int32) throws(JournalError) -> Int32 {
        try openFile(path, flags: flags, mode: 0o644)
    }
}

/// A held directory lock.
public protocol DirectoryLocking: Sendable {
    /// Gives the lock up; later calls do nothing.
    func release()
}

/// The real file system, through POSIX calls.
public struct PosixFileSystem: JournalFileSystem {
    public init() {}

    public func openFile(_ path: String, flags: Int32, mode: mode_t) throws(JournalError) -> Int32 {
        try FileSystem.openFile(path, flags: flags, mode: mode)
    }

    public func closeFile(_ fd: Int32) { Glibc.close(fd) }

    public func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, at offset: Int, path: String) throws(JournalError) {
        try FileSystem.writeAll(fd, buffer, at: offset, path: path)
    }

    public func readAll(_ path: String) throws(JournalError) -> [UInt8] { try FileSystem.readAll(path) }
    public func syncData(_ fd: Int32, path: String) throws(JournalError) { try FileSystem.syncData(fd, path: path) }
    public func syncFile(_ fd: Int32, path: String) throws(JournalError) { try FileSystem.syncFile(fd, path: path) }
    public func syncDirectory(_ path: String) throws(JournalError) { try FileSystem.syncDirectory(path) }
    public func truncate(_ path: String, to size: Int) throws(JournalError) { try FileSystem.truncate(path, to: size) }
    public func createDirectory(_ path: String) throws(JournalError) { try FileSystem.createDirectory(path) }
    public func listDirectory(_ path: String) throws(JournalError) -> [String] { try FileSystem.listDirectory(path) }
    public func remove(_ path: String) throws(JournalError) { try FileSystem.remove(path) }
    public func rename(_ from: String, to: String) throws(JournalError) { try FileSystem.rename(from, to: to) }

    public func lockDirectory(_ directory: String) throws(JournalError) -> any DirectoryLocking {
        try DirectoryLock(directory: directory)
    }
}

extension DirectoryLock: DirectoryLocking {}
