import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Zero-filled spare segments, prepared in the background so the flusher can rename one into place.
extension Journal {
    static let minimumSpareBytes = 1 << 20
    var sparePath: String { directory + "/" + Self.spareName }
    static let spareName = "spare-segment.tmp"

    /// Zero-fills a spare segment on a background thread, unless one is ready or being made.
    func prepareSpare(bytes: Int) {
        guard options.preallocateSegments else { return }
        let start: Bool = state.withLock { s in
            guard !s.spareReady, !s.sparePreparing, !s.closing else { return false }
            s.sparePreparing = true
            return true
        }
        guard start else { return }
        sparePreparation.enter()
        let path = sparePath
        let thread = Thread { [self] in
            let made = Self.zeroFill(files, path: path, bytes: bytes) { state.withLock { $0.closing } }
            state.withLock { s in
                s.sparePreparing = false
                s.spareReady = made
                s.spareBytes = bytes
            }
            sparePreparation.leave()
        }
        thread.name = "journal-spare"
        thread.start()
    }

    /// Writes `bytes` zeros to `path` and syncs; gives up (returning false) on an error or when `stop` says so.
    private static func zeroFill(_ files: any JournalFileSystem, path: String, bytes: Int, stop: () -> Bool) -> Bool {
        guard let fd = try? files.openFile(path, flags: O_WRONLY | O_CREAT | O_TRUNC) else { return false }
        defer { files.closeFile(fd) }
        let chunk = [UInt8](repeating: 0, count: min(bytes, 1 << 20))
        var offset = 0
        while offset < bytes {
            if stop() { return false }
            let count = min(chunk.count, bytes - offset)
            let ok = (try? chunk.withBytes { (raw) throws(JournalError) in
                try files.writeAll(fd, UnsafeRawBufferPointer(rebasing: raw[0..<count]), at: offset, path: path)
            }) != nil
            guard ok else { return false }
            offset += count
        }
        return (try? files.syncFile(fd, path: path)) != nil
    }
}
