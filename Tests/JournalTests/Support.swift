import Foundation
import FuzzSupport
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

/// The seed for a random test: `SHOPDECK_TEST_SEED` when set (to replay a failure), else a fresh one. Printed
/// either way, so every failure can be replayed.
func testSeed(_ test: String) -> UInt64 {
    let seed = ProcessInfo.processInfo.environment["SHOPDECK_TEST_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64.max)
    print("\(test): seed \(seed) (replay with SHOPDECK_TEST_SEED=\(seed))")
    return seed
}
