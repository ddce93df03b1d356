import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `shopdeck run` in a real terminal (tmux, 120×40): the console draws, an address is blocked with `b`,
/// a pipeline run with a failure injected with `f` ends compensated, the window is resized, `q` quits, and
/// the terminal is given back.
@Suite struct ConsoleEndToEndTests {
    /// tmux on a socket of its own, so the test never touches the developer's sessions.
    struct Tmux {
        let socket = "shopdeck-test-\(UUID().uuidString.prefix(8))"

        /// Runs a tmux command and returns what it printed; spawned and reaped directly (posix_spawn and waitpid).
        @discardableResult
        func callAsFunction(_ arguments: String...) throws -> String {
            var pipe: [Int32] = [0, 0]
            guard Glibc.pipe(&pipe) == 0 else { throw CancellationError() }
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
            var pid: pid_t = 0
            let spawned = posix_spawnp(&pid, "tmux", &actions, nil, argv, environ)
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

        /// Polls the pane until `condition` holds (about 30 s at most).
        func waitFor(_ what: String, _ condition: (String) -> Bool) async throws {
            for _ in 0..<600 {
                if condition(screen) { return }
                try await Task.sleep(nanoseconds: 50_000_000)
            }
            Issue.record("the console never showed \(what); last screen:\n\(screen)")
            throw CancellationError()
        }

        func type(_ text: String) throws { try self("send-keys", "-t", "console", "-l", text) }
        func press(_ key: String) throws { try self("send-keys", "-t", "console", key) }
    }

    @Test func anOperatorBlocksReRunsResizesAndQuits() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") else {
            Issue.record("tmux is needed for the console's end-to-end test (.ci/run installs it)")
            return
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("console-e2e-\(UUID().uuidString.prefix(8))").path
        let tmux = Tmux()
        defer {
            _ = try? tmux("kill-server")
            try? FileManager.default.removeItem(atPath: directory)
        }
        let command = "LANG=C.UTF-8 '\(ExecutableTests.executable)' run --data '\(directory)' --listen 127.0.0.1:0 --refresh 0.25; echo \"EXITED $?\"; sleep 60"
        try tmux("new-session", "-d", "-s", "console", "-x", "120", "-y", "40", command)
        try await tmux.waitFor("the Traffic pane") { $0.contains("1 Traffic") && $0.contains("5 Recommendations") }
        #expect(try tmux("display", "-p", "-t", "console", "#{alternate_on}").hasPrefix("1"), "the console draws on the alternate screen")

        try tmux.press("b")
        try tmux.type("127.0.0.9")
        try tmux.press("Enter")
        try tmux.type("e2e test")
        try tmux.press("Enter")
        try tmux.type("10m")
        try tmux.press("Enter")
        try await tmux.waitFor("the block in Blocked IPs") { $0.contains("127.0.0.9/32") && $0.contains("manual") }

        try tmux.press("f")
        try tmux.type("tra")
        try tmux.press("Tab")
        try tmux.press("Enter")
        try await tmux.waitFor("the run compensated") { $0.contains("compensated") }

        try tmux("resize-window", "-t", "console", "-x", "90", "-y", "30")
        try await tmux.waitFor("the console at 90 columns") { screen in
            screen.split(separator: "\n").first.map { $0.count <= 90 && $0.contains("shopdeck") } == true && screen.contains("1 Traffic")
        }

        try tmux.press("q")
        try await tmux.waitFor("the process to exit") { $0.contains("EXITED 0") }
        #expect(tmux.screen.contains("shopdeck stopped"))
        #expect(try tmux("display", "-p", "-t", "console", "#{alternate_on}").hasPrefix("0"), "the terminal is given back")
        let audit = try String(contentsOfFile: directory + "/shopdeck.log", encoding: .utf8)
        #expect(audit.contains("core open"), "logs go to the file, not over the screen")
    }
}
