import Foundation
import Testing
@testable import shopdeck

@Suite struct RecEvalTests {
    func file(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rec-\(UUID().uuidString).csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func anInteractionFileIsScoredForEveryModelOnTheSameSplit() async throws {
        // Two tastes: tea drinkers buy tea, a kettle and cups, coffee drinkers coffee, a grinder and a mug, in
        // varying order so every item is some user's earlier purchase.
        var lines = ["user,item,timestamp"]
        for user in 0..<60 {
            var items = user % 2 == 0 ? ["tea", "kettle", "cups"] : ["coffee", "grinder", "mug"]
            if user % 4 >= 2 { items.swapAt(1, 2) }
            for (offset, item) in items.enumerated() { lines.append("u\(user),\(item),\(1_700_000_000 + user * 100 + offset)") }
        }
        let path = try file(lines.joined(separator: "\n"))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let output = CapturedOutput()
        #expect(await CLI.run(["rec-eval", path, "--json"], output: output) == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        #expect(object["split"] as? String == "leave-last-out")
        #expect(object["users"] as? Int == 60)
        let rows = try #require(object["rows"] as? [[String: Any]])
        #expect(rows.map { $0["model"] as? String } == ["popularity", "item-knn+next", "ease+next", "bought-next"])
        let knn = try #require(rows.first { $0["model"] as? String == "item-knn+next" })
        #expect(knn["NDCG@10"] as? Double == 1, "the held-out item is the only one bought with the first two")
        #expect(rows.allSatisfy { $0["NDCG@10"] != nil && $0["Recall@20"] != nil && $0["coverage@10"] != nil })

        // Without bought-next the models go by their own names, and bought-next alone is not evaluated.
        #expect(await CLI.run(["rec-eval", path, "--json", "--next-weight", "0"], output: output) == 0)
        let plain = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.split(separator: "\n").last!.utf8)) as? [String: Any])
        #expect((plain["rows"] as? [[String: Any]])?.map { $0["model"] as? String } == ["popularity", "item-knn", "ease"])

        #expect(await CLI.run(["rec-eval", path], output: output) == 0)
        #expect(output.stdout.contains("NDCG@10") && output.stdout.contains("60 test users"))
    }

    @Test func badInputIsNamed() async throws {
        let path = try file("u1,p1,1\nu2,p2,later\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let output = CapturedOutput()
        #expect(await CLI.run(["rec-eval", path], output: output) == 1)
        #expect(output.stderr.contains("line 2: timestamp \"later\""))
        #expect(await CLI.run(["rec-eval", "/nonexistent/file.csv"], output: output) == 1)
        #expect(await CLI.run(["rec-eval", path, "--split", "random"], output: output) == 2)
    }
}
