// A child process for the crash tests: writes to a store or a broker as fast as it can and reports each
// acknowledged operation on stdout, so the test can SIGKILL it at any moment and check what recovery shows.
//
//   crash-writer store DIR
//   crash-writer broker DIR
//   crash-writer saga DIR | saga-resume DIR           standard sagas
//   crash-writer saga-express DIR | saga-express-resume DIR   express sagas
//   crash-writer fault segv|trap|abort|overflow LOG   a real fault, with the fatal-signal line set up to go to LOG
//
// Store lines (each written with one write(2), so a line is never torn):
//   ready                 the store is open
//   P <key>               put of <key> in "items" acknowledged (payload = CrashWorkload.payload(key))
//   d <key>               about to delete <key> (so the test knows it may be gone without a "D")
//   D <key>               delete of <key> acknowledged
//   T <order>             purchase acknowledged: stock decremented, orders/<order> and mirrors/<order> written
import Broker
import Foundation
import Store
import Telemetry

#if canImport(Glibc)
import Glibc
#endif

func say(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress!, $0.count) }
}

let mode = CommandLine.arguments[1]
let directory = CommandLine.arguments[2]
let run = String(UInt32.random(in: 0...UInt32.max), radix: 36)
switch mode {
case "fault":
    let log = open(CommandLine.arguments[3], O_WRONLY | O_CREAT | O_APPEND, 0o600)
    FatalSignals.install(logDescriptor: log, json: false, label: "crash-writer")
    say("ready")
    causeFault(directory)
case "broker":
    try await brokerWorkload(directory: directory, run: run)
    exit(0)
case "saga", "saga-express":
    try await sagaWorkload(directory: directory, run: run, type: sagaType(mode: mode))
    exit(0)
case "saga-resume", "saga-express-resume":
    try await sagaResume(directory: directory, type: sagaType(mode: mode))
    exit(0)
default:
    break
}

var options = StoreOptions()
// Small segments and frequent snapshots, so kills also land in rotation, snapshot and compaction.
options.journal.segmentByteLimit = 64 * 1024
options.snapshotMinimumJournalBytes = 256 * 1024
options.maintenanceIntervalSeconds = 0.05
let store = try Store(directory: directory, options: options)
try await store.ensureTable(TableSchema(name: "items", partitionKey: KeyAttribute("key", .string)))
try await store.ensureTable(TableSchema(name: "orders", partitionKey: KeyAttribute("order", .string)))
try await store.ensureTable(TableSchema(name: "mirrors", partitionKey: KeyAttribute("order", .string)))
try await store.ensureTable(TableSchema(name: "stock", partitionKey: KeyAttribute("sku", .string)))
_ = try? await store.put("stock", ["sku": "hot", "count": .number(3000)], condition: .notExists("sku"))
say("ready")

await withTaskGroup(of: Void.self) { group in
    for writer in 0..<8 {
        group.addTask {
            var previous: String? = nil
            var n = 0
            while true {
                n += 1
                let key = "\(run)-\(writer)-\(n)"
                do {
                    try await store.put("items", ["key": .string(key), "payload": .string(String(repeating: key, count: 4))])
                    say("P \(key)")
                    if n % 5 == 0, let victim = previous {
                        say("d \(victim)")
                        try await store.delete("items", key: ["key": .string(victim)])
                        say("D \(victim)")
                    }
                    previous = key
                } catch {
                    say("E \(error)")
                }
            }
        }
    }
    for buyer in 0..<8 {
        group.addTask {
            var n = 0
            while true {
                n += 1
                let order = "\(run)-b\(buyer)-\(n)"
                do {
                    try await store.transactWrite([
                        .update(table: "stock", key: ["sku": "hot"], update: UpdateExpression().add("count", -1),
                                condition: .compare("count", .greater, 0)),
                        .put(table: "orders", item: ["order": .string(order)]),
                        .put(table: "mirrors", item: ["order": .string(order)]),
                    ])
                    say("T \(order)")
                } catch StoreError.transactionCanceled {
                    // Sold out: nothing more to buy. (Retrying would spin without ever suspending.)
                    return
                } catch {
                    say("E \(error)")
                }
            }
        }
    }
}

/// A real fault of the kind named: what the fatal-signal line must survive.
func causeFault(_ kind: String) -> Never {
    switch kind {
    case "segv":
        UnsafeMutablePointer<Int>(bitPattern: 8)!.pointee = 1
    case "trap":
        let values = [1, 2, 3]
        _ = values[Int(CommandLine.arguments.count) + 10]
    case "abort":
        abort()
    case "overflow":
        // Unbounded recursion, as the SQL lexer did on `/*!` ×10,000: the handler runs on its own stack.
        func descend(_ depth: Int) -> Int { depth == Int.max ? 0 : descend(depth + 1) &+ 1 }
        _ = descend(Int(CommandLine.arguments.count))
    default:
        break
    }
    exit(3)
}
