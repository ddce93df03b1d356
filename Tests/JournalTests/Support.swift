import Foundation
@testable import Journal

/// A fresh directory under the system temporary directory, removed when the value is dropped.
final class TemporaryDirectory {
    let path: String

    init() {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("journal-test-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func files() -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: path).sorted()) ?? [] }
    func segments() -> [String] { files().filter { $0.hasPrefix("segment-") } }
}

/// Everything recovery handed to the owner.
struct Replayed {
    var snapshot: [UInt8]?
    var records: [(lsn: UInt64, payload: [UInt8])] = []
}

func openJournal(_ directory: String, options: JournalOptions = JournalOptions()) throws(JournalError) -> (Journal, Replayed) {
    var replayed = Replayed()
    let journal = try Journal(directory: directory, options: options,
                              restoreSnapshot: { replayed.snapshot = Array($0) },
                              replay: { lsn, payload in replayed.records.append((lsn, Array(payload))) })
    return (journal, replayed)
}

func payload(_ i: Int, size: Int = 40) -> [UInt8] {
    var bytes = Array("record-\(i)-".utf8)
    while bytes.count < size { bytes.append(UInt8(truncatingIfNeeded: i &+ bytes.count)) }
    return bytes
}
