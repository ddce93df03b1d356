import Foundation
import Hashing
import Journal

/// Writes an export in the store's format — `items.jsonl` (one `{"Item":…}` per line, DynamoDB JSON) and
/// `manifest.json` — into `directory.partial`, renamed to `directory` only when whole, so a reader never
/// sees half an export. The embedded store and the DynamoDB backend both write through it, so the
/// pipeline reads one format whatever the backend.
public struct ExportWriter {
    public let directory: String
    private let partial: String
    private let handle: FileHandle
    private var hasher = SHA256()
    private var buffer: [UInt8] = []
    private var bytes = 0
    private var count = 0
    static let dataFile = "items.jsonl"

    /// Starts an export into `directory`, which must not exist yet.
    public init(directory: String) throws(StoreError) {
        let fileManager = FileManager.default
        guard !fileManager.fileExists(atPath: directory) else { throw .export(path: directory, reason: "the directory already exists") }
        self.directory = directory
        partial = directory + ".partial"
        try? fileManager.removeItem(atPath: partial)
        do {
            try fileManager.createDirectory(atPath: partial, withIntermediateDirectories: true)
        } catch {
            throw .export(path: directory, reason: "cannot create \(partial): \(error.localizedDescription)")
        }
        guard fileManager.createFile(atPath: partial + "/" + Self.dataFile, contents: nil),
              let handle = FileHandle(forWritingAtPath: partial + "/" + Self.dataFile) else {
            throw .export(path: directory, reason: "cannot create \(Self.dataFile)")
        }
        self.handle = handle
    }

    /// Adds one item (written out a megabyte at a time).
    public mutating func append(_ item: Item) throws(StoreError) {
        buffer.append(contentsOf: Array("{\"Item\":\(DynamoJSON.encode(item))}\n".utf8))
        count += 1
        if buffer.count >= 1 << 20 { try flush() }
    }

    private mutating func flush() throws(StoreError) {
        hasher.update(buffer)
        bytes += buffer.count
        do {
            try handle.write(contentsOf: buffer)
        } catch {
            throw .export(path: directory, reason: "cannot write \(Self.dataFile): \(error.localizedDescription)")
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Syncs the data, writes the manifest and puts the export in place; returns the manifest.
    public mutating func finish(table: String, changeSequence: UInt64, exportedAt: Date) throws(StoreError) -> ExportManifest {
        try flush()
        do {
            try handle.synchronize()
            try handle.close()
            let manifest = ExportManifest(table: table, itemCount: count, changeSequence: changeSequence,
                                          exportedAtMillis: Int64((exportedAt.timeIntervalSince1970 * 1000).rounded(.down)),
                                          dataFile: Self.dataFile, dataBytes: bytes, dataSHA256: Hex.encode(hasher.finalize()))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let manifestURL = URL(fileURLWithPath: partial + "/manifest.json")
            try encoder.encode(manifest).write(to: manifestURL)
            let manifestHandle = try FileHandle(forWritingTo: manifestURL)
            try manifestHandle.synchronize()
            try manifestHandle.close()
            try FileManager.default.moveItem(atPath: partial, toPath: directory)
            try? FileSystem.syncDirectory(URL(fileURLWithPath: directory).deletingLastPathComponent().path)
            return manifest
        } catch {
            throw .export(path: directory, reason: error.localizedDescription)
        }
    }

    /// Removes what was written (an export that failed half-way leaves nothing behind).
    public func abandon() {
        try? handle.close()
        try? FileManager.default.removeItem(atPath: partial)
    }
}
