import Foundation
import Hashing
import Journal
import Synchronization
import Telemetry

/// One entry of the audit trail. `hash` chains it to the entry before: SHA-256 over the previous hash and
/// this entry's fields, so changing, removing or reordering any entry breaks every hash after it.
public struct AuditEntry: Sendable, Codable, Equatable {
    public var seq: UInt64
    public var at: Date
    /// Who did it: `admin`, `user:<id>`, `system`, `ip:<address>`.
    public var actor: String
    public var action: String
    public var detail: String
    public var hash: String

    static func chainHash(previous: String, seq: UInt64, atMillis: Int64, actor: String, action: String, detail: String) -> String {
        Hex.encode(SHA256.hash(Array("\(previous)\n\(seq)\n\(atMillis)\n\(actor)\n\(action)\n\(detail)".utf8)))
    }
}

/// Receives every entry of a trail once it is durable (`SharedAudit`: the copy all instances of a shop read).
public protocol AuditMirror: Sendable {
    func copy(_ entry: AuditEntry) async
}

/// The durable, hash-chained record of admin actions and security events, on a journal of its own (never
/// compacted, so the whole chain can be checked). Checked end to end when opened.
public final class AuditTrail: Sendable {
    private struct State {
        var recent: [AuditEntry] = []
        var lastSeq: UInt64 = 0
        var lastHash = AuditTrail.genesis
        var brokenAt: UInt64?
        /// What the anchor says the chain should reach, when the journal ends before it.
        var missingTail: ClosedRange<UInt64>?
    }

    static let genesis = String(repeating: "0", count: 64)
    /// Entries kept in memory for reading; older ones stay in the journal (and in the check at start).
    static let recentLimit = 50_000

    private let journal: Journal
    private let state: Mutex<State>
    private let clock: any WallClock
    private let anchor: AuditAnchor
    /// Where each durable entry is copied as well (the shop-wide trail of several instances), if anywhere.
    private let mirror: (any AuditMirror)?
    /// A slot of the anchor file did not read back when the trail opened (a torn write, or damage).
    public let anchorDamaged: Bool

    /// Opens the trail in `directory` and checks the chain against itself and against its anchor; a break is
    /// reported by `verified`/`brokenAt`.
    public init(directory: String, clock: any WallClock, mirror: (any AuditMirror)? = nil) throws(JournalError) {
        self.clock = clock
        self.mirror = mirror
        var recovered = State()
        journal = try Journal(directory: directory, restoreSnapshot: { _ in }, replay: { _, payload in
            let entry = try Self.decode(payload)
            let expected = AuditEntry.chainHash(previous: recovered.lastHash, seq: entry.seq, atMillis: Self.millis(entry.at),
                                                actor: entry.actor, action: entry.action, detail: entry.detail)
            if recovered.brokenAt == nil {
                // A gap breaks the chain at the first missing entry; a changed entry at itself.
                if entry.seq > recovered.lastSeq + 1 { recovered.brokenAt = recovered.lastSeq + 1 }
                else if entry.hash != expected || entry.seq != recovered.lastSeq + 1 { recovered.brokenAt = entry.seq }
            }
            recovered.lastSeq = entry.seq
            recovered.lastHash = entry.hash
            recovered.recent.append(entry)
            if recovered.recent.count > Self.recentLimit * 2 { recovered.recent.removeFirst(recovered.recent.count - Self.recentLimit) }
        })
        if recovered.recent.count > Self.recentLimit { recovered.recent.removeFirst(recovered.recent.count - Self.recentLimit) }
        anchor = AuditAnchor(path: directory + "/ANCHOR")
        let (head, damaged) = anchor.read()
        anchorDamaged = damaged
        if let head {
            if head.seq > recovered.lastSeq {
                // Entries the trail acknowledged are gone from the end of the chain. Carry on after them, so no
                // sequence number is ever given twice, from the anchored hash.
                recovered.missingTail = (recovered.lastSeq + 1)...head.seq
                if recovered.brokenAt == nil { recovered.brokenAt = recovered.lastSeq + 1 }
                recovered.lastSeq = head.seq
                recovered.lastHash = head.hash
            } else if let anchored = recovered.recent.last(where: { $0.seq == head.seq }), anchored.hash != head.hash, recovered.brokenAt == nil {
                recovered.brokenAt = head.seq
            }
        }
        state = Mutex(recovered)
    }

    /// What recovery found when the trail opened its journal.
    public var recoveryReport: RecoveryReport { journal.recoveryReport }

    /// Whether the chain held when the trail was opened and has held since.
    public var verified: Bool { state.withLock { $0.brokenAt == nil } }
    /// The first entry whose hash or sequence does not follow from the one before, or that is missing, if any.
    public var brokenAt: UInt64? { state.withLock { $0.brokenAt } }
    /// Entries the anchor says were acknowledged and the journal no longer holds, if any.
    public var missingTail: ClosedRange<UInt64>? { state.withLock { $0.missingTail } }
    public var count: UInt64 { state.withLock { $0.lastSeq } }

    /// Appends an entry and returns once it is durable.
    @discardableResult
    public func record(actor rawActor: String, action rawAction: String, detail rawDetail: String) async throws(JournalError) -> AuditEntry {
        // What a client sent (an e-mail address, a reason) is kept with its control and format characters
        // escaped: the trail is read in terminals.
        let actor = TextSafety.escaped(rawActor), action = TextSafety.escaped(rawAction), detail = TextSafety.escaped(rawDetail)
        let now = clock.now()
        let millis = Self.millis(now)
        let (entry, lsn): (AuditEntry, UInt64) = try state.withLock { s throws(JournalError) in
            let seq = s.lastSeq + 1
            let hash = AuditEntry.chainHash(previous: s.lastHash, seq: seq, atMillis: millis, actor: actor, action: action, detail: detail)
            let entry = AuditEntry(seq: seq, at: Date(timeIntervalSince1970: Double(millis) / 1000), actor: actor, action: action, detail: detail, hash: hash)
            // Appended under the lock so that journal order is chain order.
            let lsn = try journal.append(Self.encode(entry))
            s.lastSeq = seq
            s.lastHash = hash
            s.recent.append(entry)
            if s.recent.count > Self.recentLimit * 2 { s.recent.removeFirst(s.recent.count - Self.recentLimit) }
            return (entry, lsn)
        }
        try await journal.waitUntilDurable(lsn)
        anchor.advance(to: AuditAnchor.Head(seq: entry.seq, hash: entry.hash))
        await mirror?.copy(entry)
        return entry
    }

    /// Entries after `since` (a sequence number), oldest first, at most `limit`.
    public func entries(since: UInt64 = 0, limit: Int = 100) -> [AuditEntry] {
        state.withLock { s in
            let start = s.recent.firstIndex { $0.seq > since } ?? s.recent.endIndex
            return Array(s.recent[start..<min(s.recent.endIndex, start + limit)])
        }
    }

    public func close() {
        journal.close()
        anchor.flush()
    }

    /// An entry's journal record as text (`seq N: actor action detail`), for `shopdeck repair` to say what a lost
    /// record held; nil when it does not decode.
    public static func describeJournalRecord(_ payload: [UInt8]) -> [String]? {
        guard let entry = try? payload.withUnsafeBytes({ try decode($0) }) else { return nil }
        return ["entry \(entry.seq): \(entry.actor) \(entry.action) \(String(entry.detail.prefix(120)))"]
    }

    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }

    private static func encode(_ entry: AuditEntry) -> [UInt8] {
        var writer = ByteWriter()
        writer.byte(1)
        writer.varint(entry.seq)
        writer.signed(millis(entry.at))
        writer.string(entry.actor)
        writer.string(entry.action)
        writer.string(entry.detail)
        writer.string(entry.hash)
        return writer.bytes
    }

    private static func decode(_ payload: UnsafeRawBufferPointer) throws -> AuditEntry {
        var reader = ByteReader(payload)
        guard try reader.byte() == 1 else { throw DecodingError(message: "unknown audit record version") }
        let seq = try reader.varint()
        let millis = try reader.signed()
        return AuditEntry(seq: seq, at: Date(timeIntervalSince1970: Double(millis) / 1000), actor: try reader.string(),
                          action: try reader.string(), detail: try reader.string(), hash: try reader.string())
    }
}
