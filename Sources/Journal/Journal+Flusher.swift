import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The flusher thread: gathers appended records into batches, writes and syncs them, wakes the writers
/// they cover, and rotates segments.
extension Journal {
    private struct Batch {
        var lastLSN: UInt64
        var records: Int
        var file: AppendFile
        var offset: Int
        var path: String
    }

    private enum FlusherStep {
        case idle
        case gather(untilNanoseconds: UInt64)
        case flush(Batch)
        case exit
    }

    /// The flusher's loop: wait for records, hold the batch open while `BatchPlanner` says more are worth
    /// waiting for, then write, sync, and wake the writers the sync covered. `tail` is the active segment's
    /// last partial block, as recovery found it.
    func runFlusher(tail: [UInt8]) {
        var spare: [UInt8] = []
        var appender = SegmentAppender()
        appender.startSegment(tail: tail)
        loop: while true {
            let step: FlusherStep = state.withLock { s in
                if s.pending.isEmpty {
                    if s.closing {
                        finishClosing(&s)
                        return .exit
                    }
                    s.flusherIdle = true
                    return .idle
                }
                let now = DispatchTime.now().uptimeNanoseconds
                if !s.closing, s.pendingRecords < s.planner.enough, now < s.planner.deadline {
                    s.gathering = true
                    return .gather(untilNanoseconds: s.planner.deadline)
                }
                s.gathering = false
                s.planner.noteBatchTaken(pendingRecords: s.pendingRecords, now: now)
                swap(&s.pending, &spare)
                let batch = Batch(lastLSN: s.nextLSN - 1, records: s.pendingRecords, file: s.activeFile, offset: s.activeSize,
                                  path: directory + "/" + s.segments[s.segments.count - 1].name)
                s.pendingRecords = 0
                return .flush(batch)
            }
            switch step {
            case .idle:
                wakeFlusher.wait()
            case .gather(let deadline):
                _ = wakeFlusher.wait(timeout: DispatchTime(uptimeNanoseconds: deadline))
            case .flush(let batch):
                flush(batch, bytes: spare, appender: &appender)
                if spare.capacity > 8 << 20 { spare = [] } else { spare.removeAll(keepingCapacity: true) }
            case .exit:
                break loop
            }
        }
        flusherExited.signal()
    }

    private func flush(_ batch: Batch, bytes: [UInt8], appender: inout SegmentAppender) {
        let started = DispatchTime.now().uptimeNanoseconds
        do throws(JournalError) {
            try appender.write(bytes, to: batch.file, at: batch.offset, path: batch.path, files: files)
            if !batch.file.writesAreDurable { try files.syncData(batch.file.fd, path: batch.path) }
        } catch {
            fail(error)
            return
        }
        let synced = DispatchTime.now().uptimeNanoseconds
        durable.store(batch.lastLSN, ordering: .releasing)
        let (due, rotate) = state.withLock { s -> ([Waiter], Bool) in
            s.activeSize += bytes.count
            s.stats.fsyncCount += 1
            s.stats.recordsWritten += batch.records
            s.stats.bytesWritten += bytes.count
            s.stats.bytesSinceSnapshot += bytes.count
            s.stats.largestBatch = max(s.stats.largestBatch, batch.records)
            var due: [Waiter] = []
            s.waiters.removeAll { waiter in
                guard waiter.lsn <= batch.lastLSN else { return false }
                due.append(waiter)
                return true
            }
            let rotate = s.activeSize >= options.segmentByteLimit || s.rotateRequested
                || (s.activeCapacity > 0 && s.activeSize >= s.activeCapacity)
                || (s.activeCapacity == 0 && s.spareReady)
            s.rotateRequested = false
            let finished = DispatchTime.now().uptimeNanoseconds
            s.stats.syncNanoseconds += synced - started
            s.planner.plan(released: due.count, pending: s.pendingRecords, sync: finished - started, now: finished)
            return (due, rotate)
        }
        for waiter in due { waiter.continuation.resume(returning: nil) }
        if rotate { rotateSegment(firstLSN: batch.lastLSN + 1, appender: &appender) }
    }

    /// Starts a new segment — the prepared zero-filled spare if there is one, else a file that grows —
    /// and asks for the next spare, twice the size of this one up to the segment limit. Called by the
    /// flusher between batches, when everything so far is durable.
    private func rotateSegment(firstLSN: UInt64, appender: inout SegmentAppender) {
        let spare: Int? = state.withLock { s in
            guard s.spareReady else { return nil }
            s.spareReady = false
            return s.spareBytes
        }
        do throws(JournalError) {
            let recovery = Recovery(directory: directory, options: options)
            let segment: SegmentInfo
            if spare != nil {
                segment = try recovery.promoteSpare(at: sparePath, firstLSN: firstLSN)
            } else {
                segment = try recovery.createSegment(firstLSN: firstLSN)
            }
            let file = try files.openForAppends(directory + "/" + segment.name)
            appender.startSegment(tail: RecordFormat.segmentHeader(firstLSN: firstLSN))
            let old: AppendFile = state.withLock { s in
                let old = s.activeFile
                s.activeFile = file
                s.activeSize = RecordFormat.segmentHeaderSize
                s.activeCapacity = spare ?? 0
                s.segments.append(segment)
                return old
            }
            files.closeFile(old.fd)
            if options.preallocateSegments {
                prepareSpare(bytes: min(options.segmentByteLimit, max(Self.minimumSpareBytes, 2 * (spare ?? 0))))
            }
        } catch {
            fail(error)
        }
    }

    /// After a failed write or fsync nothing more is accepted: every waiter and later call gets the error.
    private func fail(_ error: JournalError) {
        let failure = JournalError.failed(reason: error.description)
        let due: [Waiter] = state.withLock { s in
            s.failure = failure
            s.pending.removeAll()
            let due = s.waiters
            s.waiters.removeAll()
            return due
        }
        for waiter in due { waiter.continuation.resume(returning: failure) }
    }

    private func finishClosing(_ s: inout State) {
        files.closeFile(s.activeFile.fd)
        s.closed = true
        let due = s.waiters
        s.waiters.removeAll()
        let failure = s.failure
        for waiter in due { waiter.continuation.resume(returning: failure ?? .closed) }
    }
}
