import Foundation
import Hashing
import Journal

/// What an export holds: written next to the data as `manifest.json`.
public struct ExportManifest: Sendable, Codable, Equatable {
    public var table: String
    public var itemCount: Int
    /// The change-feed position the export is consistent with: apply changes after it to catch up.
    public var changeSequence: UInt64
    /// When the export was taken, milliseconds since the epoch.
    public var exportedAtMillis: Int64
    /// The data file's name, one item per line in DynamoDB JSON (`{"Item":{…}}`).
    public var dataFile: String
    public var dataBytes: Int
    /// SHA-256 of the data file, hex.
    public var dataSHA256: String
}

extension Store {
    /// Writes a consistent snapshot of table `name` into `directory` (which must not exist yet): every item
    /// as of one instant, plus a manifest. The directory appears whole or not at all.
    @discardableResult
    public func exportTable(_ name: String, to directory: String) async throws(StoreError) -> ExportManifest {
        let (table, sequence, lsn) = try state.withLock { (s) throws(StoreError) in
            (try Self.table(name, in: s), s.feed.nextSequence - 1, s.appliedLSN)
        }
        try await waitDurable(lsn)
        let now = clock.now()
        let nowSeconds = Self.epochSeconds(now)
        var writer = try ExportWriter(directory: directory)
        do throws(StoreError) {
            var rows: [(PrimaryKey, Item)] = []
            table.forEachItem { key, stored in
                if stored.isVisible(atEpochSecond: nowSeconds) { rows.append((key, stored.item)) }
            }
            rows.sort { $0.0 < $1.0 }
            for (_, item) in rows { try writer.append(item) }
            return try writer.finish(table: name, changeSequence: sequence, exportedAt: now)
        } catch {
            writer.abandon()
            throw error
        }
    }

    /// Reads an export back, checking its checksum. For the pipeline and for tests.
    public static func readExport(at directory: String) throws(StoreError) -> (manifest: ExportManifest, items: [Item]) {
        let manifest: ExportManifest
        let data: Data
        do {
            manifest = try JSONDecoder().decode(ExportManifest.self, from: Data(contentsOf: URL(fileURLWithPath: directory + "/manifest.json")))
            data = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + manifest.dataFile))
        } catch {
            throw .export(path: directory, reason: "cannot read the export: \(error.localizedDescription)")
        }
        guard Hex.encode(SHA256.hash([UInt8](data))) == manifest.dataSHA256 else {
            throw .export(path: directory, reason: "the data file does not match its checksum")
        }
        var items: [Item] = []
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let object: Any
            do { object = try JSONSerialization.jsonObject(with: Data(line.utf8)) } catch {
                throw .export(path: directory, reason: "a line is not JSON")
            }
            guard let wrapper = object as? [String: Any], let raw = wrapper["Item"] as? [String: Any] else {
                throw .export(path: directory, reason: "a line lacks its Item")
            }
            items.append(try DynamoJSON.decodeMap(raw, depth: 0))
        }
        guard items.count == manifest.itemCount else {
            throw .export(path: directory, reason: "the manifest promises \(manifest.itemCount) items, the file has \(items.count)")
        }
        return (manifest, items)
    }
}
