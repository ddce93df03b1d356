import Foundation
import Shop

// Before anything allocates much: the long-running commands must give freed training and export memory back.
ProcessMemory.returnLargeBlocksAtOnce()

if let directory = ProcessInfo.processInfo.environment[RecoveryProbe.environmentKey] {
    exit(await RecoveryProbe.runInChild(directory: directory))
}
if let directory = ProcessInfo.processInfo.environment[HTTPBenchServer.environmentKey] {
    exit(await HTTPBenchServer.runInChild(directory: directory))
}
let status = await CLI.run(Array(CommandLine.arguments.dropFirst()), output: StandardStreams())
exit(status)
