import Foundation
import Telemetry
import Shop

// Before anything allocates much: the long-running commands must give freed training and export memory back.
ProcessMemory.returnLargeBlocksAtOnce()
// A crash leaves one line on standard error (and in the log, once a command has opened it).
FatalSignals.install(logDescriptor: nil, json: false)

if let directory = ProcessInfo.processInfo.environment[RecoveryProbe.environmentKey] {
    exit(await RecoveryProbe.runInChild(directory: directory))
}
if let directory = ProcessInfo.processInfo.environment[HTTPBenchServer.environmentKey] {
    exit(await HTTPBenchServer.runInChild(directory: directory))
}
let status = await CLI.run(Array(CommandLine.arguments.dropFirst()), output: StandardStreams())
exit(status)
