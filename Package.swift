// swift-tools-version:6.0
// shopdeck depends on the Swift toolchain and the system library ncursesw only: no package dependencies.
import PackageDescription

let package = Package(
    name: "shopdeck",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "shopdeck", targets: ["shopdeck"]),
    ],
    targets: [
        // CRC-32C with the processor's instruction (SSE 4.2): a few lines of C, built by the toolchain's clang.
        .target(name: "CRC32CHardware"),
        .target(name: "Hashing", dependencies: ["CRC32CHardware"]),
        .target(name: "Telemetry"),
        .target(name: "Journal", dependencies: ["Hashing"]),
        .target(name: "Store", dependencies: ["Journal", "Telemetry", "Hashing"]),
        .target(name: "Broker", dependencies: ["Journal", "Telemetry", "Hashing"]),
        .target(name: "Workflow", dependencies: ["Journal", "Telemetry"]),
        // epoll and eventfd, which Glibc's module map leaves out: headers only, nothing to link.
        .systemLibrary(name: "CEventPoll"),
        .target(name: "Addressing"),
        .target(name: "HTTP", dependencies: ["Addressing", "Telemetry", "CEventPoll"]),
        .target(name: "WAF", dependencies: ["Telemetry"]),
        .target(name: "Recommender"),
        // DynamoDB, SQS and SNS over HTTPS with SigV4: the AWS backend's client side.
        .target(name: "AWS", dependencies: ["Hashing"]),
        // The shop's document store and broker on DynamoDB, SQS and SNS (issue 19).
        .target(name: "AWSBackend", dependencies: ["AWS", "Store", "Broker"]),
        // The console's seam: the dashboard as plain Codable values, operator actions, and the protocol a shop
        // implements in process or over HTTP.
        .target(name: "Dashboard"),
        .target(name: "Shop", dependencies: ["Hashing", "Telemetry", "Journal", "Store", "Broker", "Workflow", "Addressing", "WAF", "Recommender", "Dashboard"]),
        .target(name: "ShopHTTP", dependencies: ["Shop", "Dashboard", "Addressing", "HTTP", "WAF", "Telemetry", "Store", "Broker", "Workflow", "Journal", "Hashing", "Recommender"]),
        // ncursesw for the console's Terminal backend: a module map and a shim header, nothing to build.
        .systemLibrary(name: "CNcursesw"),
        .target(name: "Console", dependencies: ["Dashboard", "CNcursesw"]),
        .target(name: "Simulator", dependencies: ["Addressing", "HTTP", "Telemetry"]),
        .executableTarget(name: "shopdeck", dependencies: ["Hashing", "Telemetry", "Journal", "Store", "Broker", "Workflow", "Addressing", "HTTP", "WAF", "Recommender", "Dashboard",
                                                       "Shop", "ShopHTTP", "Console", "Simulator", "AWS", "AWSBackend"]),

        // A child process for the crash tests: writes to a store as fast as it can and reports
        // each acknowledged write on stdout, so a test can kill it with SIGKILL and check recovery.
        .executableTarget(name: "crash-writer", dependencies: ["Store", "Broker", "Workflow", "Telemetry"], path: "Tests/CrashWriter"),
        // Runs and kills that child for the crash tests of several modules.
        .target(name: "CrashHarness", dependencies: ["crash-writer"], path: "Tests/CrashHarness"),
        // libFuzzer entry points (assets/fuzz/libfuzzer.sh); in a normal build, tools that replay inputs from files.
        .target(name: "FuzzEntry", path: "Tests/FuzzEntry"),
        .executableTarget(name: "fuzz-waf", dependencies: ["WAF", "FuzzEntry"], path: "Tests/Fuzz/WAF"),
        .executableTarget(name: "fuzz-http", dependencies: ["HTTP", "FuzzEntry"], path: "Tests/Fuzz/HTTP"),
        .executableTarget(name: "fuzz-expressions", dependencies: ["Store", "FuzzEntry"], path: "Tests/Fuzz/Expressions"),
        .executableTarget(name: "fuzz-schedules", dependencies: ["Workflow", "FuzzEntry"], path: "Tests/Fuzz/Schedules"),
        // Seeded, structure-aware input generation for the parsers' fuzz tests.
        .target(name: "FuzzSupport", path: "Tests/FuzzSupport"),

        .testTarget(name: "HashingTests", dependencies: ["Hashing", "FuzzSupport"]),
        .testTarget(name: "AWSTests", dependencies: ["AWS", "AWSBackend", "Store", "Hashing", "CrashHarness"]),
        .testTarget(name: "TelemetryTests", dependencies: ["Telemetry", "CrashHarness", "FuzzSupport"]),
        .testTarget(name: "JournalTests", dependencies: ["Journal", "Hashing", "FuzzSupport"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "Journal", "Telemetry", "CrashHarness", "FuzzSupport", "AWS", "AWSBackend"]),
        .testTarget(name: "BrokerTests", dependencies: ["Broker", "Journal", "Telemetry", "CrashHarness", "AWS", "AWSBackend", "FuzzSupport"]),
        .testTarget(name: "HTTPTests", dependencies: ["Addressing", "HTTP", "Telemetry", "FuzzSupport"]),
        .testTarget(name: "WAFTests", dependencies: ["WAF", "Telemetry", "FuzzSupport"]),
        .testTarget(name: "RecommenderTests", dependencies: ["Recommender"]),
        .testTarget(name: "ConsoleTests", dependencies: ["Console", "Dashboard"], exclude: ["Snapshots"]),
        .testTarget(name: "SimulatorTests", dependencies: ["Simulator", "Shop", "ShopHTTP", "Addressing", "HTTP", "Telemetry", "WAF", "Store"]),
        .testTarget(name: "WorkflowTests", dependencies: ["Workflow", "Journal", "Telemetry", "Store", "CrashHarness", "FuzzSupport"]),
        .testTarget(name: "ShopDomainTests", dependencies: ["Shop", "Dashboard", "Telemetry"]),
        .testTarget(name: "ShopTests", dependencies: ["Shop", "ShopHTTP", "Dashboard", "Addressing", "HTTP", "Telemetry", "Hashing", "WAF", "Broker", "Recommender", "Journal", "FuzzSupport", "Store", "Workflow"]),
        .testTarget(name: "ShopdeckTests", dependencies: ["shopdeck", "Shop", "WAF", "Addressing", "HTTP", "CrashHarness", "Recommender"]),
    ],
    swiftLanguageModes: [.v6]
)
