import Broker
import Foundation
import Journal
import Shop
import Store
import Telemetry
import Workflow

/// `shopdeck repair --data DIR [--apply] [--json]`: examines every journal in a stopped shop's data directory
/// and says what is damaged and what a repair would drop (exit 1 when something is; nothing is changed).
/// With `--apply` it copies each file it changes into `DIR/repair-<time>/<component>/`, keeps every record
/// that still reads back (the rest become holes, so later records keep their places), and records the repair
/// in `DIR/repairs.json`, which keeps the shop degraded in `/status` until an operator acknowledges it.
struct RepairCommand {
    let arguments: ParsedArguments
    let output: any CommandOutput

    /// The journals of a data directory, and how each names what a record touched.
    static let components: [(name: String, describe: @Sendable ([UInt8]) -> [String]?)] = [
        ("store", Store.describeJournalRecord), ("broker", Broker.describeJournalRecord), ("sagas", SagaEngine.describeJournalRecord),
        ("scheduler", Scheduler.describeJournalRecord), ("audit", AuditTrail.describeJournalRecord),
    ]

    func run() throws -> Int32 {
        guard let given = arguments.value("--data") else { throw UsageError(message: "repair needs --data DIR", command: "repair") }
        let directory = URL(fileURLWithPath: given).standardizedFileURL.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw RuntimeFailure(description: "no data directory at \(directory)")
        }
        let lock: DirectoryLock
        do throws(JournalError) {
            lock = try DirectoryLock(directory: directory)
        } catch {
            if case .locked(_, let pid) = error {
                throw RuntimeFailure(description: "the shop is running on \(directory)" + (pid.map { " (pid \($0))" } ?? "") + ": stop it before repairing")
            }
            throw RuntimeFailure(description: "\(error)")
        }
        defer { lock.release() }

        var plans: [(name: String, plan: JournalRepair.Plan, describe: @Sendable ([UInt8]) -> [String]?)] = []
        for component in Self.components {
            let path = directory + "/" + component.name
            guard FileManager.default.fileExists(atPath: path) else { continue }
            do throws(JournalError) {
                plans.append((component.name, try JournalRepair.examine(directory: path), component.describe))
            } catch {
                throw RuntimeFailure(description: "cannot examine the \(component.name) journal: \(error)")
            }
        }
        let apply = arguments.flag("--apply")
        let damaged = plans.filter { $0.plan.isDamaged }
        output.out(report(plans, directory: directory))
        guard !damaged.isEmpty else {
            output.out("nothing to repair in \(directory)")
            return ExitCode.success
        }
        let unrepairable = damaged.filter { !$0.plan.unrepairable.isEmpty }
        guard apply else {
            output.out("dry run: nothing was changed. `shopdeck repair --data \(directory) --apply` keeps every record that reads back, "
                       + "drops the rest as listed, and saves the files it changes first.")
            return ExitCode.failure
        }
        guard unrepairable.isEmpty else {
            throw RuntimeFailure(description: "not repaired: \(unrepairable.map(\.name).joined(separator: ", ")) cannot be mended here (see above)")
        }

        let now = Date()
        let stamp = Logger.timestamp(now).replacingOccurrences(of: ":", with: "").replacingOccurrences(of: ".", with: "-")
        let aside = directory + "/repair-" + stamp
        var losses: [RepairedLoss] = []
        for (name, plan, describe) in damaged {
            do throws(JournalError) {
                let journalLock = try PosixFileSystem().lockDirectory(plan.directory)
                defer { journalLock.release() }
                try JournalRepair.apply(plan, savingOriginalsIn: aside + "/" + name)
            } catch {
                throw RuntimeFailure(description: "repairing the \(name) journal failed: \(error); the files it had not yet replaced are as they were, "
                                     + "and the originals of those it replaced are in \(aside)/\(name)")
            }
            losses += plan.losses.filter { !$0.tornTail }.map { loss in
                RepairedLoss(component: name, segment: loss.segment, offset: loss.offset, byteCount: loss.byteCount,
                             firstRecord: loss.records?.lowerBound, lastRecord: loss.records?.upperBound, reason: loss.reason,
                             affected: loss.damagedPayloads.flatMap { describe($0) ?? [] })
            }
        }
        do throws(CoreError) {
            try RepairLog.append(RepairRecord(at: now, losses: losses, savedIn: aside), directory: directory)
        } catch {
            throw RuntimeFailure(description: "repaired, but the repair could not be recorded: \(error)")
        }
        output.out("repaired \(damaged.map(\.name).joined(separator: ", ")); the original files are in \(aside). "
                   + "The shop reports itself degraded until an operator acknowledges the repair (POST /admin/repairs/acknowledge).")
        return ExitCode.success
    }

    private func report(_ plans: [(name: String, plan: JournalRepair.Plan, describe: @Sendable ([UInt8]) -> [String]?)], directory: String) -> String {
        if arguments.flag("--json") { return json(plans) }
        var lines: [String] = []
        for (name, plan, describe) in plans {
            guard plan.isDamaged || !plan.losses.isEmpty else {
                lines.append("\(name): clean (\(plan.recordsKept) records)")
                continue
            }
            lines.append("\(name): \(plan.isDamaged ? "DAMAGED" : "a torn tail only"), \(plan.recordsKept) records read back")
            for problem in plan.unrepairable { lines.append("  cannot repair: \(problem)") }
            for loss in plan.losses {
                let what = loss.tornTail ? "torn tail (never acknowledged; opening cuts it)"
                    : loss.records.map { "records \($0.lowerBound)–\($0.upperBound) lost" } ?? "no whole record lost"
                lines.append("  \(loss.segment) byte \(loss.offset), \(loss.byteCount) bytes: \(loss.reason); \(what)")
                for touched in loss.damagedPayloads.flatMap({ describe($0) ?? [] }).prefix(20) { lines.append("    held: \(touched)") }
            }
        }
        return lines.joined(separator: "\n")
    }

    private func json(_ plans: [(name: String, plan: JournalRepair.Plan, describe: @Sendable ([UInt8]) -> [String]?)]) -> String {
        let components: [[String: Any]] = plans.map { name, plan, describe in
            ["component": name, "damaged": plan.isDamaged, "recordsKept": plan.recordsKept, "unrepairable": plan.unrepairable,
             "losses": plan.losses.map { loss -> [String: Any] in
                 var object: [String: Any] = ["segment": loss.segment, "offset": loss.offset, "bytes": loss.byteCount, "reason": loss.reason,
                                              "tornTail": loss.tornTail, "held": loss.damagedPayloads.flatMap { describe($0) ?? [] }]
                 if let records = loss.records { object["records"] = [records.lowerBound, records.upperBound] }
                 return object
             }]
        }
        let data = (try? JSONSerialization.data(withJSONObject: ["components": components], options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
