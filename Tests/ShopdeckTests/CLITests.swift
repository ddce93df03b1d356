import CrashHarness
import Addressing
import Foundation
import Synchronization
import Testing
import HTTP
import Shop
@testable import shopdeck

/// Captures what a command writes.
final class CapturedOutput: CommandOutput {
    private let lines = Mutex<(out: [String], err: [String])>(([], []))

    func out(_ text: String) { lines.withLock { $0.out.append(text) } }
    func err(_ text: String) { lines.withLock { $0.err.append(text) } }
    var stdout: String { lines.withLock { $0.out.joined(separator: "\n") } }
    var stderr: String { lines.withLock { $0.err.joined(separator: "\n") } }
}

@Suite struct ArgumentParsingTests {
    @Test func optionsFlagsAndPositionals() throws {
        let parsed = try parse(["store", "--quick", "--dir=/tmp/x", "--json"], for: Commands.bench)
        #expect(parsed.positionals == ["store"])
        #expect(parsed.flag("--quick") && parsed.flag("--json"))
        #expect(parsed.value("--dir") == "/tmp/x")
        let repeated = try parse(["--trusted-proxy", "10.0.0.0/8", "--trusted-proxy", "::1"], for: Commands.serve)
        #expect(repeated.all("--trusted-proxy") == ["10.0.0.0/8", "::1"])
    }

    @Test(arguments: [
        (["--bogus"], "unknown option --bogus for \"shopdeck serve\""),
        (["--data"], "--data needs a value (DIR)"),
        (["--data", "a", "--data", "b"], "--data given more than once"),
        (["extra"], "unexpected argument \"extra\""),
    ])
    func usageErrorsNameTheProblem(arguments: [String], message: String) {
        #expect(throws: UsageError(message: message, command: "serve")) { try parse(arguments, for: Commands.serve) }
    }

    @Test func positionalChoicesAndRequiredArguments() {
        #expect(throws: UsageError(message: "unknown NAME \"nope\" (choose from store, broker, waf, http, recommender, console, all)", command: "bench")) {
            try parse(["nope"], for: Commands.bench)
        }
        #expect(throws: UsageError(message: "missing argument FILE.jsonl", command: "waf-eval")) { try parse([], for: Commands.wafEval) }
    }

    @Test func valuesAreChecked() throws {
        #expect(SocketAddress(parsing: "127.0.0.1:8080") == SocketAddress(ip: .v4(0x7F00_0001), port: 8080))
        #expect(SocketAddress(parsing: "[::1]:0") == SocketAddress(ip: IPAddress("::1")!, port: 0))
        for bad in ["8080", "127.0.0.1", "127.0.0.1:99999", "example.com:80", ":80", "[::1]80"] {
            #expect(SocketAddress(parsing: bad) == nil, "\(bad)")
        }
        #expect(isCIDR("10.0.0.0/8") && isCIDR("192.168.1.7") && isCIDR("2001:db8::/32"))
        #expect(!isCIDR("10.0.0.0/33") && !isCIDR("2001:db8::/129") && !isCIDR("nope/8") && !isCIDR("10.0.0.0/x"))
        let rate = try parse(["--payment-failure-rate", "1.5"], for: Commands.run)
        #expect(throws: UsageError(message: "invalid value \"1.5\" for --payment-failure-rate: expected a number from 0.0 to 1.0", command: "run")) {
            try ShopOptions.validate(rate)
        }
        let format = try parse(["--log-format", "xml"], for: Commands.serve)
        #expect(throws: UsageError.self) { try ShopOptions.validate(format) }
    }

    @Test func theDemoKeepsItsDataForAWindowAndTheShopKeepsOrders() throws {
        let window = DataRetention.rollingWindow(seconds: Double(ShopOptions.demoKeptMinutes) * 60)
        #expect(try ShopOptions.validate(parse([], for: Commands.demo)).retention == window)
        #expect(try ShopOptions.validate(parse(["--keep-minutes", "30"], for: Commands.demo)).retention == .rollingWindow(seconds: 1800))
        #expect(try ShopOptions.validate(parse(["--keep-minutes", "0"], for: Commands.demo)).retention == DataRetention())
        #expect(try ShopOptions.validate(parse([], for: Commands.serve)).retention == DataRetention())
        #expect(throws: UsageError(message: "invalid value \"-1\" for --keep-minutes: expected a whole number from 0 to 10080", command: "demo")) {
            try ShopOptions.validate(parse(["--keep-minutes", "-1"], for: Commands.demo))
        }
        #expect(throws: UsageError(message: "unknown option --keep-minutes for \"shopdeck serve\"", command: "serve")) {
            try parse(["--keep-minutes", "5"], for: Commands.serve)
        }
    }

    @Test func everyCommandHasHelp() throws {
        for spec in Commands.all {
            let parsed = try parse(["--help"], for: spec)
            #expect(parsed.wantsHelp)
            #expect(spec.helpText.hasPrefix("usage: shopdeck \(spec.name)"))
            for option in spec.options { #expect(spec.helpText.contains(option.name)) }
        }
    }
}

@Suite struct CommandTests {
    @Test func topLevelHelpVersionAndErrors() async {
        let output = CapturedOutput()
        #expect(await CLI.run(["--version"], output: output) == 0)
        #expect(output.stdout == "shopdeck \(Commands.version)")
        #expect(await CLI.run(["--help"], output: output) == 0)
        #expect(output.stdout.contains("waf-eval"))
        #expect(await CLI.run([], output: output) == 2)
        #expect(await CLI.run(["frobnicate"], output: output) == 2)
        #expect(output.stderr.contains("unknown command \"frobnicate\""))
        #expect(await CLI.run(["serve", "--listen", "nowhere"], output: output) == 2)
        #expect(output.stderr.contains("--listen"))
        #expect(await CLI.run(["bench", "console", "--soak-minutes", "forever"], output: output) == 2)
        #expect(output.stderr.contains("invalid value \"forever\" for --soak-minutes"))
    }

    @Test func commandsNotBuiltYetFailWithOneLine() async {
        let output = CapturedOutput()
        #expect(await CLI.run(["run"], output: output) == 1)
        #expect(output.stderr.contains("needs a terminal"))
        #expect(await CLI.run(["run", "--refresh", "0.1"], output: output) == 2)

    }

    @Test func wafEvalScoresALabelledCorpus() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("waf-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lines = [
            #"{"id":"a1","label":"attack","class":"sqli","source":"t","method":"GET","uri":"/api/products?q=1%27%20OR%20%271%27%3D%271","headers":{},"body":""}"#,
            #"{"id":"a2","label":"attack","class":"xss","source":"t","method":"POST","uri":"/api/events","headers":{"Content-Type":"application/json"},"body":"{\"type\":\"<svg onload=alert(1)>\"}"}"#,
            #"{"id":"a3","label":"attack","class":"xss","source":"t","method":"GET","uri":"/api/products?q=plain","headers":{},"body":""}"#,
            #"{"id":"b1","label":"benign","class":"none","source":"t","method":"GET","uri":"/api/products?q=O%27Reilly","headers":{"User-Agent":"curl/8"},"body":""}"#,
            #"{"id":"b2","label":"benign","class":"none","source":"t","method":"GET","uri":"/api/products?q=select+wine","headers":{},"body":""}"#,
            "not json",
        ]
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let output = CapturedOutput()
        #expect(await CLI.run(["waf-eval", path, "--json"], output: output) == 0)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        let classes = try #require(document["classes"] as? [String: [String: Any]])
        #expect(classes["sqli"]?["tp"] as? Int == 1 && classes["sqli"]?["fn"] as? Int == 0)
        #expect(classes["xss"]?["tp"] as? Int == 1 && classes["xss"]?["fn"] as? Int == 1)
        #expect(classes["xss"]?["detection"] as? Double == 0.5)
        let benign = try #require(document["benign"] as? [String: Any])
        #expect(benign["fp"] as? Int == 0 && benign["tn"] as? Int == 2 && benign["fp_rate"] as? Double == 0)
        #expect((document["us_per_request"] as? Double ?? -1) >= 0)
        #expect(output.stderr.contains("skipped 1 unreadable line(s): line 6"))
        let table = CapturedOutput()
        #expect(await CLI.run(["waf-eval", path], output: table) == 0)
        #expect(table.stdout.contains("benign: 0 flagged of 2"))
        #expect(await CLI.run(["waf-eval", "/nonexistent.jsonl"], output: table) == 1)
    }

    @Test func demoRunsAFlashSaleAndAReplay() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("demo-test-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = CapturedOutput()
        #expect(await CLI.run(["demo", "--seed", "11", "--data", directory], output: output) == 0)
        #expect(output.stdout.contains("never oversold"))
        #expect(output.stdout.contains("No terminal here"))
        #expect(output.stdout.contains("403 sqli") && output.stdout.contains("pass          GET /api/products?q=O%27Reilly"))
        #expect(output.stdout.contains("against popularity") && output.stdout.contains("    → "))
        // The data stays where --data put it and reopens.
        #expect(FileManager.default.fileExists(atPath: directory + "/LOCK"))
    }
}

@Suite struct ExecutableTests {
    static var executable: String {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("shopdeck").path
    }

    func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try SpawnedChild.run(Self.executable, arguments)
    }

    @Test func exitStatusesOfTheRealBinary() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.executable))
        let runs = try await onThread { [self] in try [["--version"], ["demo", "--seed", "nope"], ["rec-eval", "x.csv"]].map(run) }
        #expect(runs[0].status == 0)
        #expect(runs[1].status == 2)
        #expect(runs[1].stderr.contains("--seed"))
        #expect(runs[2].status == 1)
    }
}

@Suite struct DemoGoodbyeTests {
    /// Issue 21, problem 8: the demo's goodbye named a log inside the temporary directory it had just removed.
    @Test func theGoodbyeNamesALogOnlyWhereOneIsKept() {
        #expect(LiveDemo.whereTheLogIs("/tmp/shopdeck-demo-1", temporary: true)
                == "its shop and log were in a temporary directory, now removed (--data DIR keeps them)")
        #expect(LiveDemo.whereTheLogIs("/srv/shop", temporary: false) == "log in /srv/shop/shopdeck.log")
    }
}
