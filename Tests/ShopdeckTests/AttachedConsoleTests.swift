import CrashHarness
import Addressing
import Foundation
import HTTP
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 17, end to end: `shopdeck console --connect` attached to a `serve` child in tmux. The panes fill;
/// a block typed in the console is in the shop; `kill -9` of the shop leaves the console up saying it is
/// disconnected; the restarted shop is shown again; a second console with the viewer token and `--read-only`
/// cannot block and says why; `q` exits 0.
@Suite(.serialized) struct AttachedConsoleTests {
    func blocks(_ port: Int, token: String) async throws -> (status: Int, cidrs: [String]) {
        var request = HTTPClientRequest.get("/admin/waf/blocks")
        request.headers.set("Authorization", "Bearer \(token)")
        let response = try await HTTPClient().send(request, to: SocketAddress(ip: .v4(0x7F00_0001), port: port))
        let items = (try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])?["items"] as? [[String: Any]] ?? []
        return (response.status, items.compactMap { $0["cidr"] as? String })
    }

    @Test func aConsoleAttachesSurvivesTheShopsDeathAndReconnects() async throws {
        try await ConsoleEndToEndTests().inTmux("attached-console") { tmux, directory in
            let first = try await onThread { try ServeProcess(["--data", directory, "--listen", "127.0.0.1:0"]) }
            let port = first.port
            let console = "LANG=C.UTF-8 '\(ExecutableTests.executable)' console --connect http://127.0.0.1:\(port) --token-file '\(directory)/admin-token' "
                + "--refresh 0.25; echo \"EXITED $?\"; sleep 60"
            try tmux("new-session", "-d", "-s", "console", "-x", "120", "-y", "40", console)
            try await tmux.waitFor("the five panes with the shop's data") {
                $0.contains("1 Traffic") && $0.contains("5 Recommendations") && $0.contains("checkout") && $0.contains("127.0.0.1:\(port)")
            }

            // A block typed in the console is in the shop.
            try tmux.press(":")
            try tmux.type("block 203.0.113.0/24 e2e scraper")
            try tmux.press("Enter")
            try await tmux.waitFor("the block's outcome") { $0.contains("blocked 203.0.113.0/24: e2e scraper") }
            let admin = try String(contentsOfFile: directory + "/admin-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try await blocks(port, token: admin).cidrs == ["203.0.113.0/24"])

            // A second console, with the viewer token and --read-only, sees the shop but cannot change it.
            let viewerTmux = ConsoleEndToEndTests.Tmux()
            defer { _ = try? viewerTmux("kill-server") }
            let viewer = "LANG=C.UTF-8 '\(ExecutableTests.executable)' console --connect http://127.0.0.1:\(port) --token-file '\(directory)/viewer-token' "
                + "--read-only --refresh 0.25; echo \"EXITED $?\"; sleep 60"
            try viewerTmux("new-session", "-d", "-s", "console", "-x", "120", "-y", "40", viewer)
            try await viewerTmux.waitFor("the viewer's panes with the first console's block") { $0.contains("203.0.113.0/24") && $0.contains("waf.block") }
            try viewerTmux.press(":")
            try viewerTmux.type("block 198.51.100.0/24 not allowed")
            try viewerTmux.press("Enter")
            try await viewerTmux.waitFor("the refusal") { $0.contains("read-only: this console cannot block 198.51.100.0/24") }
            let viewerToken = try String(contentsOfFile: directory + "/viewer-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try await blocks(port, token: viewerToken) == (200, ["203.0.113.0/24"]))
            var action = HTTPClientRequest.post("/admin/actions", json: #"{"action":"block","cidr":"198.51.100.0/24","reason":"x"}"#)
            action.headers.set("Authorization", "Bearer \(viewerToken)")
            #expect(try await HTTPClient().send(action, to: SocketAddress(ip: .v4(0x7F00_0001), port: port)).status == 403)
            try viewerTmux.press("q")
            try await viewerTmux.waitFor("the viewer's console to exit 0") { $0.contains("EXITED 0") }

            // The shop dies: the console stays up and says so.
            _ = try await onThread { first.stop(SIGKILL) }
            try await tmux.waitFor("the disconnected header") { $0.contains("DISCONNECTED since") && $0.contains("1 Traffic") }
            // The shop comes back on the same port: the console shows it again.
            let second = try await onThread { try ServeProcess(["--data", directory, "--listen", "127.0.0.1:\(port)"]) }
            defer { _ = second.stop(SIGTERM) }
            try await tmux.waitFor("the shop again", seconds: 40) { !$0.contains("DISCONNECTED") && $0.contains("127.0.0.1:\(port) │ up") }
            try tmux.press("q")
            try await tmux.waitFor("the console to exit 0") { $0.contains("EXITED 0") }
        }
    }
}
