import Foundation
import Hashing
import Synchronization

/// The audit trail's head — the last acknowledged entry's sequence number and hash — kept in a file of its
/// own beside the journal (`audit/ANCHOR`), so that entries cut off the end of the chain show: the chain
/// then ends before its anchor (before, a flipped byte in entry 101 of 199 removed entries 101–199 and the
/// trail still said `verified: true`, then reused seq 101).
///
/// Two 80-byte slots, written alternately (by the parity of the sequence number), each with magic, seq,
/// hash and a CRC-32C: a write torn by a crash spoils one slot, and the other still holds the previous head.
/// Written off the caller's path after the entry is durable, coalescing a burst into the latest head: the
/// anchor may trail the chain by the entries of one write, never lead it.
final class AuditAnchor: Sendable {
    struct Head: Equatable {
        var seq: UInt64
        var hash: String
    }

    static let slotSize = 80
    private static let magic = Array("SDA1".utf8)

    let path: String
    private let queue = DispatchQueue(label: "audit-anchor")
    private let latest = Mutex<(pending: Head?, written: UInt64)>((nil, 0))

    init(path: String) {
        self.path = path
    }

    /// The newest head in the file, and whether a slot was unreadable (a torn write, or damage).
    func read() -> (head: Head?, damagedSlot: Bool) {
        guard let data = FileManager.default.contents(atPath: path) else { return (nil, false) }
        let bytes = [UInt8](data)
        var best: Head?
        var damaged = false
        for slot in 0..<2 {
            let start = slot * Self.slotSize
            guard bytes.count >= start + Self.slotSize else { continue }
            guard let head = Self.decode(Array(bytes[start..<start + Self.slotSize])) else {
                if bytes[start..<start + Self.slotSize].contains(where: { $0 != 0 }) { damaged = true }
                continue
            }
            if head.seq >= best?.seq ?? 0 { best = head }
        }
        return (best, damaged)
    }

    /// Records `head` as the newest acknowledged entry (soon, and durably).
    func advance(to head: Head) {
        latest.withLock { state in
            if head.seq > state.pending?.seq ?? 0 { state.pending = head }
        }
        queue.async { [self] in writePending() }
    }

    /// Waits for the pending head to be written.
    func flush() {
        queue.sync { writePending() }
    }

    private func writePending() {
        guard let head = latest.withLock({ state -> Head? in
            guard let pending = state.pending, pending.seq > state.written else { return nil }
            return pending
        }) else { return }
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let slot = Self.encode(head)
        let offset = off_t(Int(head.seq % 2) * Self.slotSize)
        guard slot.withUnsafeBytes({ pwrite(fd, $0.baseAddress, $0.count, offset) }) == slot.count, fdatasync(fd) == 0 else { return }
        latest.withLock { $0.written = max($0.written, head.seq) }
    }

    static func encode(_ head: Head) -> [UInt8] {
        var bytes = magic
        withUnsafeBytes(of: head.seq.littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: Array(head.hash.utf8.prefix(64)))
        while bytes.count < slotSize - 4 { bytes.append(0) }
        let crc = bytes.withUnsafeBytes { CRC32C.checksum($0) }
        withUnsafeBytes(of: crc.littleEndian) { bytes.append(contentsOf: $0) }
        return bytes
    }

    static func decode(_ bytes: [UInt8]) -> Head? {
        guard bytes.count == slotSize, Array(bytes[0..<4]) == magic else { return nil }
        let crc = bytes[0..<(slotSize - 4)].withUnsafeBytes { CRC32C.checksum($0) }
        let stored = bytes[(slotSize - 4)...].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self).littleEndian }
        guard crc == stored else { return nil }
        let seq = bytes[4..<12].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self).littleEndian }
        let hash = String(decoding: bytes[12..<76], as: UTF8.self)
        return Head(seq: seq, hash: hash)
    }
}
