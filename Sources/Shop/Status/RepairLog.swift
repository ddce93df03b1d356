import Foundation

/// What one `shopdeck repair --apply` dropped from one component's journal.
public struct RepairedLoss: Codable, Sendable, Equatable {
    /// `store`, `broker`, `sagas`, `scheduler` or `audit`.
    public var component: String
    public var segment: String
    public var offset: Int
    public var byteCount: Int
    /// The records lost (LSNs), when the damage held whole records.
    public var firstRecord: UInt64?
    public var lastRecord: UInt64?
    public var reason: String
    /// What the lost records touched, as far as their damaged bytes still say (`put orders o-17…`).
    public var affected: [String]

    public init(component: String, segment: String, offset: Int, byteCount: Int, firstRecord: UInt64?, lastRecord: UInt64?, reason: String,
                affected: [String]) {
        self.component = component
        self.segment = segment
        self.offset = offset
        self.byteCount = byteCount
        self.firstRecord = firstRecord
        self.lastRecord = lastRecord
        self.reason = reason
        self.affected = affected
    }

    /// How many records were lost.
    public var recordCount: UInt64 { firstRecord.flatMap { first in lastRecord.map { $0 - first + 1 } } ?? 0 }
}

/// One applied repair: when, what it dropped, where the original files went, and whether an operator has
/// acknowledged it. Until then the shop reports itself degraded.
public struct RepairRecord: Codable, Sendable, Equatable {
    public var at: Date
    public var losses: [RepairedLoss]
    /// The directory holding the files as they were before the repair.
    public var savedIn: String
    public var acknowledgedAt: Date?
    public var acknowledgedBy: String?

    public init(at: Date, losses: [RepairedLoss], savedIn: String) {
        self.at = at
        self.losses = losses
        self.savedIn = savedIn
    }

    public var acknowledged: Bool { acknowledgedAt != nil }
}

/// `DIR/repairs.json`: every repair applied to the data directory, written by `shopdeck repair` and read by
/// the core at start, so that a repair's losses stay in front of an operator until acknowledged.
public enum RepairLog {
    public static func path(in directory: String) -> String { directory + "/repairs.json" }

    private struct File: Codable {
        var repairs: [RepairRecord]
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// Every recorded repair, oldest first (none when the file does not exist).
    public static func load(directory: String) throws(CoreError) -> [RepairRecord] {
        let path = path(in: directory)
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        guard let data = FileManager.default.contents(atPath: path), let file = try? decoder.decode(File.self, from: data) else {
            throw CoreError("\(path) cannot be read as the repair log; it records what repairs dropped, so it must not be lost: restore or fix it")
        }
        return file.repairs
    }

    /// Adds a repair to the log.
    public static func append(_ record: RepairRecord, directory: String) throws(CoreError) {
        try save(try load(directory: directory) + [record], directory: directory)
    }

    /// Marks every unacknowledged repair as acknowledged by `actor`; returns how many were.
    static func acknowledgeAll(directory: String, by actor: String, at date: Date) throws(CoreError) -> [RepairRecord] {
        var repairs = try load(directory: directory)
        var acknowledged: [RepairRecord] = []
        for index in repairs.indices where !repairs[index].acknowledged {
            repairs[index].acknowledgedAt = date
            repairs[index].acknowledgedBy = actor
            acknowledged.append(repairs[index])
        }
        if !acknowledged.isEmpty { try save(repairs, directory: directory) }
        return acknowledged
    }

    /// Written to a temporary file, synced and renamed into place: the log is whole or as it was.
    private static func save(_ repairs: [RepairRecord], directory: String) throws(CoreError) {
        let path = path(in: directory)
        let temporary = path + ".tmp"
        guard let data = try? encoder.encode(File(repairs: repairs)) else { throw CoreError("the repair log could not be encoded") }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CoreError("cannot write \(temporary): \(String(cString: strerror(errno)))") }
        let bytes = [UInt8](data)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced, rename(temporary, path) == 0 else {
            throw CoreError("cannot write \(path): \(String(cString: strerror(errno)))")
        }
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            fsync(directoryFD)
            close(directoryFD)
        }
    }
}
