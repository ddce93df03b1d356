#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Files in memory that behave as a disk does across a crash, for crash tests of the journal and of what is
/// built on it (after FoundationDB's simulated files and SQLite's crash tests).
///
/// Every file keeps what its last sync made durable and the changes since. Directory entries (files
/// created, renamed, removed) are durable only once their directory is synced. `crash…` freezes the disk;
/// `recoveredImage(using:)` then builds what a machine would find on restart: the durable state plus, for
/// each file and directory, some prefix of the changes made since its last sync — possibly none, possibly
/// all — with the last write of that prefix possibly torn (only its first bytes reached the disk).
///
/// Faults on demand: `crash(atSync:)` crashes as the nth sync begins (so that sync never completes, and the
/// machine is down from then on: every call fails with EIO); `failSync(number:)` makes one sync fail with
/// EIO, after which what it should have written is never written (as Linux may drop dirty pages after a
/// failed fsync); `spaceLeft` makes writes past it fail with ENOSPC.
public final class SimulatedFileSystem: JournalFileSystem {
    enum Change {
        case write(offset: Int, bytes: [UInt8])
        case truncate(Int)
    }

    struct File {
        var durable: [UInt8] = []
        var current: [UInt8] = []
        /// Changes since the last sync, oldest first.
        var pending: [Change] = []
    }

    enum EntryChange {
        case link(name: String, file: Int)
        case unlink(name: String)
        case rename(from: String, to: String)
    }

    struct Directory {
        var durable: [String: Int] = [:]
        var current: [String: Int] = [:]
        var pending: [EntryChange] = []
    }

    struct Descriptor {
        var file: Int
        var path: String
        /// Writes must start and end on multiples of this (a segment opened by `openForAppends`).
        var alignment = 1
    }

    struct State {
        var files: [Int: File] = [:]
        var directories: [String: Directory] = [:]
        var descriptors: [Int32: Descriptor] = [:]
        var locks: Set<String> = []
        var nextFile = 1
        var nextDescriptor: Int32 = 100
        var syncs = 0
        var crashAtSync: Int?
        var failingSyncs: Set<Int> = []
        var spaceLeft: Int?
        /// The disk as it stood when the machine went down.
        var frozen: (files: [Int: File], directories: [String: Directory])?
    }

    private let state: Mutex<State>
    /// The alignment `openForAppends` asks of writes, as direct I/O does (1: none).
    public let appendAlignment: Int

    /// `appendAlignment`: make the journal write segments in aligned blocks, as it does on a real disk with
    /// direct I/O; writes that are not aligned then fail with EINVAL.
    public init(appendAlignment: Int = 1) {
        state = Mutex(State())
        self.appendAlignment = appendAlignment
    }

    private init(state: State, appendAlignment: Int) {
        self.state = Mutex(state)
        self.appendAlignment = appendAlignment
    }

    // MARK: Faults

    /// Crash as sync number `number` (1-based, counting every file and directory sync) begins.
    public func crash(atSync number: Int) {
        state.withLock { $0.crashAtSync = number }
    }

    /// Crash now.
    public func crash() {
        state.withLock { s in
            if s.frozen == nil { s.frozen = (s.files, s.directories) }
        }
    }

    /// Make sync number `number` fail with EIO.
    public func failSync(number: Int) {
        state.withLock { _ = $0.failingSyncs.insert(number) }
    }

    /// Bytes that may still be added to files before writes fail with ENOSPC (nil: no limit).
    public var spaceLeft: Int? {
        get { state.withLock { $0.spaceLeft } }
        set { state.withLock { $0.spaceLeft = newValue } }
    }

    /// Syncs so far.
    public var syncCount: Int { state.withLock { $0.syncs } }

    /// Whether the machine is down.
    public var hasCrashed: Bool { state.withLock { $0.frozen != nil } }

    /// The disk a restart would find after the crash (or now, if there was none): see the type's comment.
    /// Deterministic for a given generator state, so a failing case is replayed from its seed.
    public func recoveredImage<G: RandomNumberGenerator>(using generator: inout G) -> SimulatedFileSystem {
        let (files, directories) = state.withLock { s in s.frozen ?? (s.files, s.directories) }
        var image = State()
        var survivors: [Int: File] = [:]
        for (path, directory) in directories {
            var entries = directory.durable
            for change in directory.pending.prefix(Self.keptCount(directory.pending.count, &generator)) {
                switch change {
                case let .link(name, file): entries[name] = file
                case let .unlink(name): entries.removeValue(forKey: name)
                case let .rename(from, to):
                    if let file = entries.removeValue(forKey: from) { entries[to] = file }
                }
            }
            image.directories[path] = Directory(durable: entries, current: entries)
            for file in entries.values where survivors[file] == nil {
                guard let original = files[file] else { continue }
                let content = Self.contentAfterCrash(original, &generator)
                survivors[file] = File(durable: content, current: content)
            }
        }
        image.files = survivors
        image.nextFile = (survivors.keys.max() ?? 0) + 1
        return SimulatedFileSystem(state: image, appendAlignment: appendAlignment)
    }

    /// How many of `count` pending changes reach the disk: none, all, or some, a third of the time each.
    private static func keptCount<G: RandomNumberGenerator>(_ count: Int, _ generator: inout G) -> Int {
        guard count > 0 else { return 0 }
        switch Int.random(in: 0..<3, using: &generator) {
        case 0: return 0
        case 1: return count
        default: return Int.random(in: 0...count, using: &generator)
        }
    }

    private static func contentAfterCrash<G: RandomNumberGenerator>(_ file: File, _ generator: inout G) -> [UInt8] {
        var content = file.durable
        let kept = keptCount(file.pending.count, &generator)
        for (index, change) in file.pending.prefix(kept).enumerated() {
            switch change {
            case .truncate(let size):
                content = Array(content.prefix(size)) + [UInt8](repeating: 0, count: max(0, size - content.count))
            case let .write(offset, bytes):
                // The last write that reached the disk may have reached it only in part.
                let torn = index == kept - 1 && Bool.random(using: &generator)
                apply(offset: offset, bytes: torn ? Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &generator))) : bytes,
                      to: &content)
            }
        }
        return content
    }

    private static func apply(offset: Int, bytes: [UInt8], to content: inout [UInt8]) {
        if content.count < offset + bytes.count { content.append(contentsOf: [UInt8](repeating: 0, count: offset + bytes.count - content.count)) }
        content.replaceSubrange(offset..<offset + bytes.count, with: bytes)
    }

    // MARK: JournalFileSystem

    private static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        return (String(path[..<slash]), String(path[path.index(after: slash)...]))
    }

    private static func down(_ operation: String, _ path: String) -> JournalError { .io(operation: operation, path: path, errno: EIO) }

    public func openFile(_ path: String, flags: Int32, mode: mode_t) throws(JournalError) -> Int32 {
        try state.withLock { (s) throws(JournalError) -> Int32 in
            guard s.frozen == nil else { throw Self.down("open", path) }
            let (directoryPath, name) = Self.split(path)
            guard var directory = s.directories[directoryPath] else { throw .io(operation: "open", path: path, errno: ENOENT) }
            var file = directory.current[name]
            if file == nil {
                guard flags & O_CREAT != 0 else { throw .io(operation: "open", path: path, errno: ENOENT) }
                let created = s.nextFile
                s.nextFile += 1
                s.files[created] = File()
                directory.current[name] = created
                directory.pending.append(.link(name: name, file: created))
                s.directories[directoryPath] = directory
                file = created
            }
            guard let file else { throw .io(operation: "open", path: path, errno: ENOENT) }
            if flags & O_TRUNC != 0, var content = s.files[file] {
                content.current.removeAll()
                content.pending.append(.truncate(0))
                s.files[file] = content
            }
            let descriptor = s.nextDescriptor
            s.nextDescriptor += 1
            s.descriptors[descriptor] = Descriptor(file: file, path: path)
            return descriptor
        }
    }

    /// Opens the segment; writes to it must be aligned to `appendAlignment`, and each still needs a sync.
    public func openForAppends(_ path: String) throws(JournalError) -> AppendFile {
        let fd = try openFile(path, flags: O_WRONLY)
        let alignment = appendAlignment
        state.withLock { $0.descriptors[fd]?.alignment = alignment }
        return AppendFile(fd: fd, alignment: alignment)
    }

    public func closeFile(_ fd: Int32) {
        state.withLock { _ = $0.descriptors.removeValue(forKey: fd) }
    }

    public func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, at offset: Int, path: String) throws(JournalError) {
        let bytes = Array(buffer)
        try state.withLock { (s) throws(JournalError) in
            guard s.frozen == nil else { throw Self.down("write", path) }
            guard let descriptor = s.descriptors[fd], var file = s.files[descriptor.file] else { throw .io(operation: "write", path: path, errno: EBADF) }
            guard offset % descriptor.alignment == 0, bytes.count % descriptor.alignment == 0 else {
                throw .io(operation: "write", path: path, errno: EINVAL)
            }
            let growth = max(0, offset + bytes.count - file.current.count)
            if let space = s.spaceLeft {
                guard growth <= space else { throw .io(operation: "write", path: path, errno: ENOSPC) }
                s.spaceLeft = space - growth
            }
            Self.apply(offset: offset, bytes: bytes, to: &file.current)
            file.pending.append(.write(offset: offset, bytes: bytes))
            s.files[descriptor.file] = file
        }
    }

    public func readAll(_ path: String) throws(JournalError) -> [UInt8] {
        try state.withLock { (s) throws(JournalError) -> [UInt8] in
            guard s.frozen == nil else { throw Self.down("read", path) }
            let (directory, name) = Self.split(path)
            guard let file = s.directories[directory]?.current[name], let content = s.files[file] else {
                throw .io(operation: "open", path: path, errno: ENOENT)
            }
            return content.current
        }
    }

    /// Counts a sync and applies the faults due at it: a crash (the disk freezes before it completes) or a
    /// failure (what it should have written is lost).
    private func sync(_ s: inout State, _ operation: String, _ path: String, onSuccess: (inout State) -> Void,
                      onFailure: (inout State) -> Void) throws(JournalError) {
        guard s.frozen == nil else { throw Self.down(operation, path) }
        s.syncs += 1
        if s.crashAtSync == s.syncs {
            s.frozen = (s.files, s.directories)
            throw Self.down(operation, path)
        }
        if s.failingSyncs.contains(s.syncs) {
            onFailure(&s)
            throw .io(operation: operation, path: path, errno: EIO)
        }
        onSuccess(&s)
    }

    private func syncDescriptor(_ fd: Int32, _ operation: String, path: String) throws(JournalError) {
        try state.withLock { (s) throws(JournalError) in
            guard let descriptor = s.descriptors[fd] else { throw .io(operation: operation, path: path, errno: EBADF) }
            try sync(&s, operation, path, onSuccess: { s in
                guard var file = s.files[descriptor.file] else { return }
                file.durable = file.current
                file.pending.removeAll()
                s.files[descriptor.file] = file
            }, onFailure: { s in
                // The pages stay readable but are never written: after a crash the old content is back.
                s.files[descriptor.file]?.pending.removeAll()
            })
        }
    }

    public func syncData(_ fd: Int32, path: String) throws(JournalError) { try syncDescriptor(fd, "fdatasync", path: path) }
    public func syncFile(_ fd: Int32, path: String) throws(JournalError) { try syncDescriptor(fd, "fsync", path: path) }

    public func syncDirectory(_ path: String) throws(JournalError) {
        try state.withLock { (s) throws(JournalError) in
            guard s.directories[path] != nil else { throw .io(operation: "opendir", path: path, errno: ENOENT) }
            try sync(&s, "fsync", path, onSuccess: { s in
                guard var directory = s.directories[path] else { return }
                directory.durable = directory.current
                directory.pending.removeAll()
                s.directories[path] = directory
            }, onFailure: { s in
                s.directories[path]?.pending.removeAll()
            })
        }
    }

    public func truncate(_ path: String, to size: Int) throws(JournalError) {
        let fd = try openFile(path, flags: O_WRONLY)
        defer { closeFile(fd) }
        try state.withLock { (s) throws(JournalError) in
            guard s.frozen == nil else { throw Self.down("truncate", path) }
            guard let descriptor = s.descriptors[fd], var file = s.files[descriptor.file] else { throw .io(operation: "truncate", path: path, errno: EBADF) }
            file.current = Array(file.current.prefix(size)) + [UInt8](repeating: 0, count: max(0, size - file.current.count))
            file.pending.append(.truncate(size))
            s.files[descriptor.file] = file
        }
        try syncFile(fd, path: path)
    }

    /// Directories are made at once and durably: the journal creates its own once, before it writes.
    public func createDirectory(_ path: String) throws(JournalError) {
        try state.withLock { (s) throws(JournalError) in
            guard s.frozen == nil else { throw Self.down("mkdir", path) }
            if s.directories[path] == nil { s.directories[path] = Directory() }
        }
    }

    public func listDirectory(_ path: String) throws(JournalError) -> [String] {
        try state.withLock { (s) throws(JournalError) -> [String] in
            guard s.frozen == nil else { throw Self.down("opendir", path) }
            guard let directory = s.directories[path] else { throw .io(operation: "opendir", path: path, errno: ENOENT) }
            return directory.current.keys.sorted()
        }
    }

    public func remove(_ path: String) throws(JournalError) {
        try state.withLock { (s) throws(JournalError) in
            guard s.frozen == nil else { throw Self.down("unlink", path) }
            let (directoryPath, name) = Self.split(path)
            guard s.directories[directoryPath]?.current.removeValue(forKey: name) != nil else { return }
            s.directories[directoryPath]?.pending.append(.unlink(name: name))
        }
    }

    public func rename(_ from: String, to: String) throws(JournalError) {
        try state.withLock { (s) throws(JournalError) in
            guard s.frozen == nil else { throw Self.down("rename", from) }
            let (directoryPath, fromName) = Self.split(from)
            let (targetDirectory, toName) = Self.split(to)
            guard directoryPath == targetDirectory else { throw .io(operation: "rename", path: from, errno: EXDEV) }
            guard let file = s.directories[directoryPath]?.current.removeValue(forKey: fromName) else {
                throw .io(operation: "rename", path: from, errno: ENOENT)
            }
            s.directories[directoryPath]?.current[toName] = file
            s.directories[directoryPath]?.pending.append(.rename(from: fromName, to: toName))
        }
    }

    public func lockDirectory(_ directory: String) throws(JournalError) -> any DirectoryLocking {
        try createDirectory(directory)
        try state.withLock { (s) throws(JournalError) in
            guard !s.locks.contains(directory) else { throw .locked(path: directory, holderPID: nil) }
            s.locks.insert(directory)
        }
        return SimulatedLock(fileSystem: self, directory: directory)
    }

    fileprivate func unlock(_ directory: String) {
        state.withLock { _ = $0.locks.remove(directory) }
    }
}

/// A lock held on a simulated directory.
final class SimulatedLock: DirectoryLocking {
    private let fileSystem: SimulatedFileSystem
    private let directory: String
    private let held = Atomic<Bool>(true)

    init(fileSystem: SimulatedFileSystem, directory: String) {
        self.fileSystem = fileSystem
        self.directory = directory
    }

    func release() {
        if held.exchange(false, ordering: .acquiringAndReleasing) { fileSystem.unlock(directory) }
    }
}
