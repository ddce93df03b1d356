import Broker
import Foundation

// Broker lines:
//   S <body>            send acknowledged (standard queue "work")
//   d <body>            about to delete <body> (it may be gone without a "D")
//   D <body>            delete acknowledged
//   F <group> <index>   FIFO send acknowledged ("sale.fifo", body "<group>:<index>")
//   f <group> <index>   about to delete a FIFO message
//   G <group> <index>   FIFO delete acknowledged

func brokerWorkload(directory: String, run: String) async throws {
    var options = BrokerOptions()
    options.journal.segmentByteLimit = 64 * 1024
    options.snapshotMinimumJournalBytes = 256 * 1024
    options.maintenanceIntervalSeconds = 0.05
    let broker = try Broker(directory: directory, options: options)
    var work = QueueConfiguration(name: "work")
    work.visibilityTimeout = 30
    try await broker.createQueue(work)
    try await broker.createQueue(QueueConfiguration(name: "sale.fifo"))
    say("ready")
    await withTaskGroup(of: Void.self) { group in
        for producer in 0..<4 {
            group.addTask {
                var n = 0
                while true {
                    n += 1
                    let body = "\(run)-p\(producer)-\(n)"
                    do {
                        try await broker.send("work", OutgoingMessage(body: body))
                        say("S \(body)")
                    } catch { say("E \(error)") }
                }
            }
        }
        for _ in 0..<3 {
            group.addTask {
                while true {
                    do {
                        let batch = try await broker.receive("work", maximum: 10)
                        if batch.isEmpty { await Task.yield() }
                        for message in batch {
                            say("d \(message.body)")
                            try await broker.delete("work", receiptHandle: message.receiptHandle)
                            say("D \(message.body)")
                        }
                    } catch { say("E \(error)") }
                }
            }
        }
        group.addTask {
            // Each run continues the groups' numbering after what earlier runs acknowledged is unknown here,
            // so FIFO groups are per run.
            var index = 0
            while true {
                for g in 0..<4 {
                    let name = "\(run)g\(g)"
                    do {
                        try await broker.send("sale.fifo", OutgoingMessage(body: "\(name):\(index)", groupID: name, deduplicationID: "\(name)-\(index)"))
                        say("F \(name) \(index)")
                    } catch { say("E \(error)") }
                }
                index += 1
            }
        }
        group.addTask {
            while true {
                do {
                    let batch = try await broker.receive("sale.fifo", maximum: 10)
                    if batch.isEmpty { await Task.yield() }
                    for message in batch {
                        let parts = message.body.split(separator: ":")
                        say("f \(parts[0]) \(parts[1])")
                        try await broker.delete("sale.fifo", receiptHandle: message.receiptHandle)
                        say("G \(parts[0]) \(parts[1])")
                    }
                } catch { say("E \(error)") }
            }
        }
    }
}
