import CrashHarness
import Foundation
import Testing
import HTTP

/// Issue 16, finding 4, end to end on the real binary: a flipped byte in the middle of the newest store
/// segment after `kill -9` → the next start refuses, naming the component, file, offset and the repair →
/// `shopdeck repair` says exactly what would be lost → `--apply` → the shop starts, keeps every other
/// acknowledged write, and reports itself degraded until the repair is acknowledged. (Restocks, not sign-ups:
/// they write the store without hashing a password, which a debug build takes seconds over.)
@Suite struct RepairTests {
    /// The newest segment's records: (offset, payload range).
    static func records(in bytes: [UInt8]) -> [(offset: Int, payload: Range<Int>)] {
        var found: [(Int, Range<Int>)] = []
        var position = 16
        while position + 16 <= bytes.count {
            let length = Int(UInt32(bytes[position]) | UInt32(bytes[position + 1]) << 8 | UInt32(bytes[position + 2]) << 16 | UInt32(bytes[position + 3]) << 24)
            guard length > 0, position + 16 + length <= bytes.count else { break }
            found.append((position, (position + 16)..<(position + 16 + length)))
            position += 16 + length
        }
        return found
    }

    static func newestSegment(_ directory: String) throws -> String {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("segment-") }.sorted()
        return directory + "/" + (try #require(names.last))
    }

    @Test func aFlippedByteInTheNewestStoreSegmentIsRefusedRepairedAndReportedUntilAcknowledged() async throws {
        let directory = temporaryDirectory("repair")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let arguments = ["--data", directory, "--listen", "127.0.0.1:0"]
        let products = (101...112).map { "p\($0)" }

        // Twelve acknowledged restocks, then kill -9 (no closing snapshot: the records stay in the segment).
        let first = try await onThread { try ServeProcess(arguments) }
        let address = first.address
        let admin = try String(contentsOfFile: directory + "/admin-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let (names, originalStock) = try await onThread {
            let connection = try HTTPClientConnection(to: address, timeout: 10)
            var names: [String] = [], stock: [Int] = []
            for (index, id) in products.enumerated() {
                let product = try JSONSerialization.jsonObject(with: Data(try connection.send(.get("/api/products/\(id)")).body)) as? [String: Any]
                names.append(product?["name"] as? String ?? "")
                stock.append(product?["stock"] as? Int ?? -1)
                var restock = HTTPClientRequest(method: "PUT", target: "/admin/products/\(id)/stock", body: Array(#"{"stock":\#(5000 + index)}"#.utf8))
                restock.headers.set("Authorization", "Bearer \(admin)")
                restock.headers.set("Content-Type", "application/json")
                guard try connection.send(restock).status == 200 else { throw ServeProcess.ServeFailure(output: "restock of \(id) failed") }
            }
            return (names, stock)
        }
        _ = try await onThread { first.stop(SIGKILL) }

        // Damage the restock of the sixth product, in the middle of the newest segment.
        let segment = try Self.newestSegment(directory + "/store")
        var bytes = [UInt8](try #require(FileManager.default.contents(atPath: segment)))
        let victim = try #require(Self.records(in: bytes).last { record in
            String(decoding: bytes[record.payload], as: UTF8.self).contains(names[5])
        })
        #expect(Self.records(in: bytes).last.map { $0.offset > victim.offset } == true, "the damaged record must not be the last")
        bytes[victim.payload.upperBound - 1] ^= 0x01
        #expect(FileManager.default.createFile(atPath: segment, contents: Data(bytes)))

        let refused = try await onThread { try ExecutableTests().run(["serve"] + arguments) }
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("the store journal in \(directory) is damaged"), "\(refused.stderr)")
        #expect(refused.stderr.contains("\(segment) is damaged at byte \(victim.offset)"), "\(refused.stderr)")
        #expect(refused.stderr.contains("shopdeck repair --data \(directory)"), "\(refused.stderr)")

        let dryRun = try await onThread { try ExecutableTests().run(["repair", "--data", directory, "--json"]) }
        #expect(dryRun.status == 1)
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(dryRun.stdout.split(separator: "\n")[0].utf8)) as? [String: Any])
        let components = try #require(plan["components"] as? [[String: Any]])
        let store = try #require(components.first { $0["component"] as? String == "store" })
        #expect(store["damaged"] as? Bool == true)
        let losses = try #require(store["losses"] as? [[String: Any]])
        #expect(losses.count == 1)
        #expect(losses.first?["offset"] as? Int == victim.offset)
        #expect(losses.first?["bytes"] as? Int == victim.payload.upperBound - victim.offset)
        let records = try #require(losses.first?["records"] as? [Int])
        #expect(records.count == 2 && records[0] == records[1], "exactly one record is lost: \(records)")
        #expect(components.filter { $0["component"] as? String != "store" }.allSatisfy { $0["damaged"] as? Bool == false })
        // The dry run changed nothing.
        #expect(try await onThread { try ExecutableTests().run(["serve"] + arguments) }.status == 1)

        let applied = try await onThread { try ExecutableTests().run(["repair", "--data", directory, "--apply"]) }
        #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).contains { $0.hasPrefix("repair-") })

        let second = try await onThread { try ServeProcess(arguments) }
        let secondAddress = second.address
        let (stock, degraded, acknowledged, healthy) = try await onThread {
            let connection = try HTTPClientConnection(to: secondAddress, timeout: 10)
            let stock = try products.map { id in
                (try JSONSerialization.jsonObject(with: Data(try connection.send(.get("/api/products/\(id)")).body)) as? [String: Any])?["stock"] as? Int
            }
            let degraded = try connection.send(.get("/status"))
            var acknowledge = HTTPClientRequest.post("/admin/repairs/acknowledge", json: "{}")
            acknowledge.headers.set("Authorization", "Bearer \(admin)")
            let acknowledged = try connection.send(acknowledge)
            return (stock, degraded, acknowledged, try connection.send(.get("/status")))
        }
        // Every restock but the damaged one survived; that product has its stock from before.
        #expect(stock.enumerated().allSatisfy { index, value in value == (index == 5 ? originalStock[5] : 5000 + index) }, "\(stock)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(degraded.body)) as? [String: Any])
        #expect(report["status"] as? String == "degraded")
        #expect(((report["components"] as? [String: [String: Any]])?["store"]?["status"]) as? String == "degraded")
        let findings = (report["findings"] as? [[String: String]]) ?? []
        #expect(findings.contains { $0["severity"] == "critical" && $0["message"]?.contains("store records \(records[0])–\(records[0])") == true },
                "\(findings)")
        #expect(acknowledged.status == 200, "\(acknowledged.text)")
        let after = try #require(try JSONSerialization.jsonObject(with: Data(healthy.body)) as? [String: Any])
        #expect(((after["components"] as? [String: [String: Any]])?["store"]?["status"]) as? String == "ok")
        #expect(try await onThread { second.stop(SIGTERM) } == 0)
    }
}
