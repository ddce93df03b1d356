import Foundation
import FuzzSupport
import Synchronization
import Testing
@testable import Journal

/// The journal on `SimulatedFileSystem`: a scripted workload crashed at every sync point in turn, and the
/// fsync-failure and full-disk paths. What must hold after every crash: each acknowledged record is there
/// with its payload, nothing is there that was not appended, and LSNs run without a gap.
@Suite struct SimulatedCrashTests {
    static let directory = "/sim/journal"

    /// What the owner of the journal keeps: records by LSN, rebuilt from the snapshot and the replay.
    final class Owner: Sendable {
        let records = Mutex<[UInt64: [UInt8]]>([:])

        func snapshotBody(upTo lsn: UInt64) -> [UInt8] {
            var body: [UInt8] = []
            for (key, value) in records.withLock({ $0 }).filter({ $0.key <= lsn }).sorted(by: { $0.key < $1.key }) {
                withUnsafeBytes(of: key.littleEndian) { body.append(contentsOf: $0) }
                withUnsafeBytes(of: UInt32(value.count).littleEndian) { body.append(contentsOf: $0) }
                body.append(contentsOf: value)
            }
            return body
        }

        func restore(_ raw: UnsafeRawBufferPointer) {
            var position = 0
            var restored: [UInt64: [UInt8]] = [:]
            while position + 12 <= raw.count {
                let lsn = raw.loadUnaligned(fromByteOffset: position, as: UInt64.self).littleEndian
                let count = Int(raw.loadUnaligned(fromByteOffset: position + 8, as: UInt32.self).littleEndian)
                restored[lsn] = Array(UnsafeRawBufferPointer(rebasing: raw[(position + 12)..<(position + 12 + count)]))
                position += 12 + count
            }
            records.withLock { $0 = restored }
        }
    }

    static func open(_ files: SimulatedFileSystem, preallocate: Bool) throws(JournalError) -> (Journal, Owner) {
        let owner = Owner()
        let journal = try Journal(directory: directory, options: JournalOptions(segmentByteLimit: 2048, preallocateSegments: preallocate, fileSystem: files),
                                  restoreSnapshot: { owner.restore($0) },
                                  replay: { lsn, payload in owner.records.withLock { $0[lsn] = Array(payload) } })
        return (journal, owner)
    }

    /// Three writers append 40 records each and wait for each to be durable; every 30 acknowledgements a
    /// snapshot is written (and the log compacted). Returns what was acknowledged and what was appended.
    static func runWorkload(_ files: SimulatedFileSystem, preallocate: Bool) async throws
        -> (acknowledged: [UInt64: [UInt8]], appended: [UInt64: [UInt8]]) {
        let opened: (Journal, Owner)
        do {
            opened = try open(files, preallocate: preallocate)
        } catch {
            if files.hasCrashed { return ([:], [:]) }  // the machine went down while the journal was opening
            throw error
        }
        let (journal, owner) = opened
        let acknowledged = Owner()
        let appended = Owner()
        await withTaskGroup(of: Void.self) { group in
            for writer in 0..<3 {
                group.addTask {
                    for index in 0..<40 {
                        let bytes = payload(writer * 1000 + index, size: 30 + index % 50)
                        // Appended and recorded under the owner's lock, so the owner's state follows LSN order.
                        let lsn: UInt64? = owner.records.withLock { records in
                            guard let lsn = try? journal.append(bytes) else { return nil }
                            records[lsn] = bytes
                            return lsn
                        }
                        guard let lsn else { return }
                        appended.records.withLock { $0[lsn] = bytes }
                        do { try await journal.waitUntilDurable(lsn) } catch { return }
                        let count = acknowledged.records.withLock { acked in
                            acked[lsn] = bytes
                            return acked.count
                        }
                        if count % 30 == 0 {
                            let durable = journal.durableLSN
                            let body = owner.snapshotBody(upTo: durable)
                            _ = try? journal.writeSnapshot(at: durable) { writer throws(JournalError) in try writer.write(body) }
                        }
                    }
                }
            }
        }
        journal.close()
        return (acknowledged.records.withLock { $0 }, appended.records.withLock { $0 })
    }

    /// Reopens `image` and checks the invariants; then appends once more and reopens, to show the log goes on.
    static func checkRecovery(_ image: SimulatedFileSystem, acknowledged: [UInt64: [UInt8]], appended: [UInt64: [UInt8]],
                              preallocate: Bool, context: String) throws {
        let (journal, owner) = try open(image, preallocate: preallocate)
        let recovered = owner.records.withLock { $0 }
        for (lsn, bytes) in acknowledged {
            #expect(recovered[lsn] == bytes, "\(context): acknowledged record \(lsn) lost or changed")
        }
        for (lsn, bytes) in recovered {
            #expect(appended[lsn] == bytes, "\(context): record \(lsn) was never appended with that payload")
        }
        let last = recovered.keys.max() ?? 0
        #expect(recovered.count == Int(last), "\(context): recovered LSNs have a gap (\(recovered.count) records up to \(last))")
        #expect(journal.recoveryReport.lastLSN == last || journal.recoveryReport.snapshotLSN ?? 0 >= last, "\(context)")
        let next = try journal.append(Array("after the crash".utf8))
        #expect(next == last + 1, "\(context)")
        journal.close()
        let (again, owner2) = try open(image, preallocate: preallocate)
        #expect(owner2.records.withLock { $0[next] } == Array("after the crash".utf8), "\(context)")
        again.close()
    }

    /// `SHOPDECK_CRASH_ROUNDS` runs the enumeration that many times with fresh seeds (CI runs it once).
    /// `alignment` 512 makes the journal write whole blocks, rewriting the last partial one, as it does with
    /// direct I/O on a real disk; a torn write then lands on bytes that were already durable.
    ///
    /// The writers' snapshots race each other (each picks its LSN before the journal serialises them), which
    /// is how this test found older snapshots replacing newer ones; see `anOlderSnapshotArrivingAfterANewerOneIsSkipped`.
    @Test(arguments: [false, true], [1, 512])
    func aWorkloadCrashedAtEverySyncPointLosesNothingAcknowledged(preallocate: Bool, alignment: Int) async throws {
        let label = "crash points, preallocate=\(preallocate), alignment=\(alignment)"
        let seed = testSeed(label)
        let rounds = ProcessInfo.processInfo.environment["SHOPDECK_CRASH_ROUNDS"].flatMap(Int.init) ?? 1
        for round in 0..<rounds {
            let clean = SimulatedFileSystem(appendAlignment: alignment)
            _ = try await Self.runWorkload(clean, preallocate: preallocate)
            let syncPoints = clean.syncCount
            #expect(syncPoints > 20)
            print("\(label), round \(round): \(syncPoints) sync points")
            for point in 1...(syncPoints + 2) {
                let files = SimulatedFileSystem(appendAlignment: alignment)
                files.crash(atSync: point)
                let (acknowledged, appended) = try await Self.runWorkload(files, preallocate: preallocate)
                var generator = FuzzGenerator(seed: seed &+ UInt64(round) &* 1_000_003 &+ UInt64(point))
                let image = files.recoveredImage(using: &generator)
                try Self.checkRecovery(image, acknowledged: acknowledged, appended: appended, preallocate: preallocate,
                                       context: "seed \(seed) round \(round) crash at sync \(point) of \(syncPoints)")
            }
        }
    }

    /// After a failed fsync the kernel may have dropped the data it could not write: the journal fails the
    /// waiters of that batch and refuses every later append, rather than carry on over a hole.
    @Test func aFailedFsyncFailsTheBatchAndEveryLaterAppend() async throws {
        let files = SimulatedFileSystem()
        let (journal, _) = try Self.open(files, preallocate: false)
        for index in 1...5 { try await journal.appendDurably(payload(index)) }
        files.failSync(number: files.syncCount + 1)
        let lsn = try journal.append(payload(6))
        await #expect(throws: JournalError.self) { try await journal.waitUntilDurable(lsn) }
        #expect {
            try journal.append(payload(7))
        } throws: { error in
            guard case .failed(let reason) = error as? JournalError else { return false }
            return reason.contains("fdatasync") && reason.contains("Input/output error")
        }
        journal.close()
        var generator = FuzzGenerator(seed: testSeed("aFailedFsync"))
        let (reopened, owner) = try Self.open(files.recoveredImage(using: &generator), preallocate: false)
        let recovered = owner.records.withLock { $0 }
        #expect((1...5).allSatisfy { recovered[UInt64($0)] == payload($0) })
        #expect(recovered[6] == nil, "the batch whose sync failed never reached the disk")
        reopened.close()
    }

    @Test func aFullDiskFailsTheJournalWithENOSPCAndKeepsWhatWasAcknowledged() async throws {
        let files = SimulatedFileSystem()
        let (journal, _) = try Self.open(files, preallocate: false)
        files.spaceLeft = 600
        var acknowledged: [UInt64] = []
        var failure: JournalError?
        for index in 1...40 {
            do {
                acknowledged.append(try await journal.appendDurably(payload(index)))
            } catch {
                failure = error
                break
            }
        }
        guard case .failed(let reason)? = failure else { Issue.record("the journal never failed: \(String(describing: failure))"); return }
        #expect(reason.contains("No space left on device"))
        #expect(!acknowledged.isEmpty)
        journal.close()
        files.spaceLeft = nil
        var generator = FuzzGenerator(seed: testSeed("aFullDisk"))
        let (reopened, owner) = try Self.open(files.recoveredImage(using: &generator), preallocate: false)
        let recovered = owner.records.withLock { $0 }
        #expect(acknowledged.allSatisfy { recovered[$0] == payload(Int($0)) })
        reopened.close()
    }
}
