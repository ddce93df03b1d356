import Addressing
import Foundation
import HTTP
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `shopdeck demo` in a real terminal (tmux, 120×40): simulated traffic shows, a client's dossier shows what a
/// block would cut off and its requests, it is blocked with `b`
/// and its requests are refused (the block's hits rise), it is unblocked, the WAF rules view switches sqli to
/// count and a probe then passes and is logged, a pipeline run with a failure injected with `f` is held and,
/// redriven with `R`, succeeds from its failed step, the window is resized, `q` quits, and the terminal is given back.
@Suite(.serialized) struct ConsoleEndToEndTests {
    /// tmux on a socket of its own, so the test never touches the developer's sessions.
    struct Tmux {
        let socket = "shopdeck-test-\(UUID().uuidString.prefix(8))"

        /// Runs a tmux command and returns what it printed; spawned and reaped directly (posix_spawn and waitpid).
        @discardableResult
        func callAsFunction(_ arguments: String...) throws -> String {
            var pipe: [Int32] = [0, 0]
            // Close-on-exec at once: a tmux server started meanwhile by the other test must not inherit the
            // write end, or this read would wait for that server to exit (pipe2 is not imported).
            guard Glibc.pipe(&pipe) == 0, fcntl(pipe[0], F_SETFD, FD_CLOEXEC) == 0, fcntl(pipe[1], F_SETFD, FD_CLOEXEC) == 0 else {
                throw CancellationError()
            }
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            // Only commands that print get the pipe: the server `new-session` starts would keep it open.
            let prints = ["capture-pane", "display"].contains(arguments.first ?? "")
            if prints {
                posix_spawn_file_actions_adddup2(&actions, pipe[1], 1)
            } else {
                posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            }
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
            // Neither end stays open in the child under its own number (a tmux server would inherit it).
            posix_spawn_file_actions_addclose(&actions, pipe[0])
            posix_spawn_file_actions_addclose(&actions, pipe[1])
            let argv = (["tmux", "-L", socket] + arguments).map { strdup($0) } + [nil]
            defer { for pointer in argv { free(pointer) } }
            // The spawning thread blocks most signals (the Swift runtime's threads do); a tmux server that inherited
            // that mask would never see its panes exit nor honour kill-server, and outlive the test.
            var attributes = posix_spawnattr_t()
            posix_spawnattr_init(&attributes)
            defer { posix_spawnattr_destroy(&attributes) }
            var none = sigset_t()
            sigemptyset(&none)
            posix_spawnattr_setsigmask(&attributes, &none)
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
            var pid: pid_t = 0
            let spawned = posix_spawnp(&pid, "tmux", &actions, &attributes, argv, environ)
            close(pipe[1])
            defer { close(pipe[0]) }
            guard spawned == 0 else { throw CancellationError() }
            var output: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            var status: Int32 = 0
            while true {
                let count = read(pipe[0], &buffer, buffer.count)
                if count > 0 { output += buffer[..<count]; continue }
                break
            }
            waitpid(pid, &status, 0)
            return String(decoding: output, as: UTF8.self)
        }

        var screen: String { (try? self("capture-pane", "-p", "-t", "console")) ?? "" }

        /// Polls the pane until `condition` holds (`seconds` at most).
        func waitFor(_ what: String, seconds: Int = 30, _ condition: (String) -> Bool) async throws {
            for _ in 0..<(seconds * 20) {
                if condition(screen) { return }
                try await Task.sleep(nanoseconds: 50_000_000)
            }
            let last = screen
            try? "\(what)\n\(last)".write(toFile: NSTemporaryDirectory() + "/shopdeck-e2e-last-screen.txt", atomically: true, encoding: .utf8)
            Issue.record("the console never showed \(what); last screen:\n\(last)")
            throw CancellationError()
        }

        func type(_ text: String) throws { try self("send-keys", "-t", "console", "-l", text) }
        func press(_ key: String) throws { try self("send-keys", "-t", "console", key) }
    }

    @Test func anOperatorWatchesTheDemoBlocksAClientReRunsResizesAndQuits() async throws {
        try await inTmux("console-e2e") { tmux, directory in
            // A light demo: a debug build hashing passwords 100,000 times and training on 100,000 purchases would
            // take the CPU every other test needs.
            let light = "SHOPDECK_DEMO_PURCHASES=3000 SHOPDECK_DEMO_PASSWORD_ITERATIONS=10 SHOPDECK_DEMO_RATE=10"
            let command = "LANG=C.UTF-8 \(light) '\(ExecutableTests.executable)' demo --seed 1 --scenario attack --data '\(directory)' --listen 127.0.0.1:0 --refresh 0.25; "
                + "echo \"EXITED $?\"; sleep 60"
            try tmux("new-session", "-d", "-s", "console", "-x", "120", "-y", "40", command)
            try await tmux.waitFor("the Traffic pane") { $0.contains("1 Traffic") && $0.contains("5 Recommendations") }
            #expect(try tmux("display", "-p", "-t", "console", "#{alternate_on}").hasPrefix("1"), "the console draws on the alternate screen")

            // Simulated clients (attackers here: shoppers' sign-ups are slow in a debug build) show up in the Traffic
            // pane; the selected one is offered by `b`.
            // The scraper (127.77.0.1) trips no detector, so nothing but the operator blocks it: filter the Traffic
            // pane's clients down to it.
            try await tmux.waitFor("simulated traffic") { $0.contains(" 127.77.0.1 ") }
            try tmux.press("/")
            try tmux.type("127.77.")
            try tmux.press("Enter")
            try await tmux.waitFor("the filtered Traffic pane") { $0.contains("1 Traffic /127.77.") && $0.contains(" 127.77.0.1 ") }
            // Its dossier: what a block would cut off (a scraper signs in to nothing), then the requests it sent.
            try tmux.press("Enter")
            try await tmux.waitFor("the scraper's dossier") { screen in
                screen.contains("impact: 127.77.0.1 placed no order") && screen.contains("latest requests:")
                    && screen.split(separator: "\n").contains { $0.contains(" 200 GET /api/products") }
            }
            try tmux.press("Escape")
            try tmux.press("b")
            try await tmux.waitFor("the block prompt") { $0.contains("block which address or CIDR: 127.") }
            let prompt = tmux.screen.split(separator: "\n").first { $0.contains("block which address or CIDR: ") } ?? ""
            let address = String(prompt.split(separator: " ").first { $0.hasPrefix("127.") }?.prefix { $0 != "▏" } ?? "")
            try tmux.press("Enter")
            try tmux.type("e2e test")
            try tmux.press("Enter")
            try tmux.press("Enter")
            // Blocked IPs shows a single address without its /32: address, source, expiry, hits.
            func blockRow(_ screen: String) -> [Substring]? {
                screen.split(separator: "\n").first { $0.contains("│\(address) ") && $0.contains(" manual ") }.map { $0.split(separator: " ") }
            }
            try await tmux.waitFor("the block in Blocked IPs") { blockRow($0) != nil }
            // Its requests are now refused: the block's hit count rises.
            try await tmux.waitFor("the blocked client's requests refused") { screen in
                guard let fields = blockRow(screen), let source = fields.firstIndex(of: "manual"), fields.count > source + 2 else { return false }
                return fields[source + 1] == "never" && (Int(fields[source + 2]).map { $0 > 0 } ?? false)
            }
            // The admin API agrees: the block is there, with the hits of the refused requests.
            let header = tmux.screen.split(separator: "\n").first ?? ""
            let port = header.split(separator: " ").first { $0.hasPrefix("127.0.0.1:") }.flatMap { Int($0.split(separator: ":")[1]) } ?? 0
            let token = try String(contentsOfFile: directory + "/admin-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            var request = HTTPClientRequest.get("/admin/waf/blocks")
            request.headers.set("Authorization", "Bearer \(token)")
            let blocks = try await HTTPClient().send(request, to: SocketAddress(ip: .v4(0x7F00_0001), port: port))
            let items = (try JSONSerialization.jsonObject(with: Data(blocks.body)) as? [String: Any])?["items"] as? [[String: Any]] ?? []
            let listed = items.first { $0["cidr"] as? String == "\(address)/32" }
            #expect(listed?["source"] as? String == "manual" && (listed?["hits"] as? Int ?? 0) > 0, "\(items)")

            // Repeat offenders are listed too: filter the pane down to the address before `u`.
            try tmux.press("2")
            try tmux.press("/")
            try tmux.type(address + "/")
            try tmux.press("Enter")
            try tmux.press("u")
            try await tmux.waitFor("the unblock question") { $0.contains("unblock \(address)/32? (y/n)") }
            try tmux.press("y")
            // The pane, still filtered to the address, has nothing left to show.
            try await tmux.waitFor("the block gone") { $0.contains("no address is blocked") && $0.contains("unblocked \(address)/32") }

            // The WAF rules view switches sqli to count: the next probe passes, and is logged.
            try tmux.press("w")
            try await tmux.waitFor("the rules view") { $0.contains("WAF rules") && $0.contains("│sqli ") }
            let rulesScreen = tmux.screen.split(separator: "\n").filter { $0.hasPrefix("│") }.map { String($0.dropFirst()) }
            let ruleNames = rulesScreen.compactMap { $0.split(separator: " ").first.map(String.init) }
            let sqliRow = (ruleNames.firstIndex(of: "sqli") ?? 0) - (ruleNames.firstIndex(of: "ip-block") ?? 0)
            for _ in 0..<sqliRow { try tmux.press("j") }
            try tmux.press("a")
            try await tmux.waitFor("the question") { $0.contains("set sqli to count: matching requests are logged and let through? (y/n)") }
            try tmux.press("y")
            try await tmux.waitFor("sqli counting") { $0.split(separator: "\n").contains { $0.hasPrefix("│sqli ") && $0.contains(" count ") } }
            var probe = HTTPClientRequest.get("/api/products?q=1%27%20OR%20%271%27%3D%271")
            probe.headers.set("X-Probe", "e2e")
            let probed = try await HTTPClient().send(probe, to: SocketAddress(ip: .v4(0x7F00_0001), port: port))
            #expect(probed.status == 200, "a rule in count mode lets the probe through")
            let verdicts = try await HTTPClient().send({
                var request = HTTPClientRequest.get("/admin/waf/verdicts")
                request.headers.set("Authorization", "Bearer \(token)")
                return request
            }(), to: SocketAddress(ip: .v4(0x7F00_0001), port: port))
            let logged = (try JSONSerialization.jsonObject(with: Data(verdicts.body)) as? [String: Any])?["items"] as? [[String: Any]] ?? []
            #expect(logged.contains { $0["rule"] as? String == "sqli" && $0["action"] as? String == "count" }, "the probe is logged")
            try tmux.press("Escape")

            // Failing at `train`: the run is held with its export; redriven from Sagas, it resumes at train and
            // succeeds. The Sagas pane, filtered to the pipeline, lists its newest run first.
            try tmux.press("f")
            try tmux.type("tra")
            try tmux.press("Tab")
            try tmux.press("Enter")
            try await tmux.waitFor("the run started") { $0.contains("started recommendations run ") }
            let started = tmux.screen.split(separator: "\n").first { $0.contains("started recommendations run ") } ?? ""
            let runID = String(started.split(separator: " ").first { $0.count == 36 && $0.contains("-") }?.prefix(8) ?? "")
            try tmux.press("4")
            try tmux.press("/")
            try tmux.type("recommendations")
            try tmux.press("Enter")
            func runRow(_ screen: String, _ state: String) -> Bool {
                screen.split(separator: "\n").contains { $0.hasPrefix("│\(state) ") && $0.contains(" \(runID)") }
            }
            try await tmux.waitFor("the run held at train", seconds: 60) { runRow($0, "failed") }
            try tmux.press("R")
            try await tmux.waitFor("the redrive question") { $0.contains("redrive recommendations run \(runID) from train? (y/n)") }
            try tmux.press("y")
            try await tmux.waitFor("the redriven run succeeded", seconds: 60) { runRow($0, "succeeded") }
            try tmux.press("Enter")
            try await tmux.waitFor("the run's steps with their attempts") { $0.contains("runRedriven") || ($0.contains("attempts") && $0.contains(" train ")) }
            try tmux.press("Escape")

            try tmux("resize-window", "-t", "console", "-x", "90", "-y", "30")
            try await tmux.waitFor("the console at 90 columns") { screen in
                screen.split(separator: "\n").first.map { $0.count <= 90 && $0.contains("shopdeck") } == true && screen.contains("1 Traffic")
            }

            try tmux.press("q")
            try await tmux.waitFor("the process to exit") { $0.contains("EXITED 0") }
            #expect(tmux.screen.contains("shopdeck demo stopped"))
            #expect(try tmux("display", "-p", "-t", "console", "#{alternate_on}").hasPrefix("0"), "the terminal is given back")
            let log = try String(contentsOfFile: directory + "/shopdeck.log", encoding: .utf8)
            #expect(log.contains("core open"), "logs go to the file, not over the screen")
        }
    }

    /// What a visitor sees in the first minute of `shopdeck demo` (the mixed scenario): traffic, a WAF block from
    /// the attack phase, a flash sale whose drop sells out without selling a unit more than it has, a finished
    /// recommendation run, and recommendations on the screen.
    @Test func theDemoShowsTrafficAWAFBlockASoldOutDropAndARecommendationRunWithinAMinute() async throws {
        try await inTmux("demo-minute") { tmux, directory in
            let started = Date()
            // The default rate (40 actions/s), so the mixed scenario reaches its attack phase in about 20 s; cheap
            // password hashing and a small history keep a debug build from taking every other test's CPU.
            let light = "SHOPDECK_DEMO_PURCHASES=3000 SHOPDECK_DEMO_PASSWORD_ITERATIONS=10"
            let command = "LANG=C.UTF-8 \(light) '\(ExecutableTests.executable)' demo --seed 1 --data '\(directory)' --listen 127.0.0.1:0; sleep 60"
            try tmux("new-session", "-d", "-s", "console", "-x", "120", "-y", "40", command)
            try await tmux.waitFor("the console") { $0.contains("1 Traffic") && $0.contains("127.0.0.1:") }
            let header = tmux.screen.split(separator: "\n").first ?? ""
            let port = header.split(separator: " ").first { $0.hasPrefix("127.0.0.1:") }.flatMap { Int($0.split(separator: ":")[1]) } ?? 0
            let server = SocketAddress(ip: .v4(0x7F00_0001), port: port)
            let token = try String(contentsOfFile: directory + "/admin-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            let client = HTTPClient(timeout: 10)
            func get(_ target: String) async throws -> Any? {
                var request = HTTPClientRequest.get(target)
                request.headers.set("Authorization", "Bearer \(token)")
                return try JSONSerialization.jsonObject(with: Data(try await client.send(request, to: server).body))
            }
            func items(_ target: String) async throws -> [[String: Any]] {
                (try await get(target) as? [String: Any])?["items"] as? [[String: Any]] ?? []
            }

            var seen: Set<String> = []
            while Date().timeIntervalSince(started) < 60, seen.count < 5 {
                if tmux.screen.contains(" 127.10.") { seen.insert("traffic") }
                if try await items("/admin/waf/verdicts").contains(where: { $0["action"] as? String == "block" }) { seen.insert("waf block") }
                if try await items("/admin/runs?pipeline=recommendations&state=succeeded").count > 0 { seen.insert("recommendation run") }
                let screen = tmux.screen
                if screen.contains("model v"), screen.contains("best seller"), !screen.contains("no sales yet") { seen.insert("recommendations shown") }
                if let drop = try await items("/api/drops").first, drop["state"] as? String == "sold-out",
                   let stock = drop["stock"] as? Int, (drop["entrants"] as? Int ?? 0) > stock {
                    seen.insert("sold-out drop")
                }
                try await Task.sleep(nanoseconds: 500_000_000)
            }
            #expect(seen == ["traffic", "waf block", "recommendation run", "recommendations shown", "sold-out drop"],
                    "after \(Int(Date().timeIntervalSince(started))) s: \(seen.sorted())\n\(tmux.screen)")

            // No oversell: every unit of the hot product accounted for, none below zero.
            for product in try await items("/api/products?limit=100") {
                #expect((product["stock"] as? Int ?? 0) >= 0, "\(product)")
            }
            try tmux.press("q")
        }
    }

    /// Runs `body` with a private tmux server and a data directory, both removed afterwards.
    func inTmux(_ name: String, _ body: (Tmux, String) async throws -> Void) async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") else {
            Issue.record("tmux is needed for the console's end-to-end test (.ci/run installs it)")
            return
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8))").path
        let tmux = Tmux()
        defer {
            _ = try? tmux("kill-server")
            try? FileManager.default.removeItem(atPath: directory)
        }
        try await body(tmux, directory)
    }
}
