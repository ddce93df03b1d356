import Foundation
import Recommender
import Shop

/// `bench recommender`: training time and memory for 10k, 100k and 1M purchases over 10,000 items
/// (item-to-item similarity, the model that scales; EASE on the shop's 1,200-item catalogue), serving
/// latency per call (personal top-10, similar items) on the largest model, and — when Python with NumPy and
/// SciPy is there — the same item-to-item training in NumPy/SciPy on the same 1M purchases
/// (`assets/bench/itemknn_numpy.py`).
struct RecommenderBenchmark {
    let directory: String
    let quick: Bool

    static let itemCount = 10_000

    func run(progress: (String) -> Void) throws -> BenchReport {
        var report = BenchReport(bench: "recommender")
        let catalogue = (0..<Self.itemCount).map { (id: "i\($0)", category: "c\($0 % 40)") }
        let sizes = quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000]
        var largest: (model: RecommendationModel, history: [Interaction])?
        for size in sizes {
            progress("generating \(size) purchases")
            var generator = DemoHistory()
            generator.purchases = size
            generator.users = max(1000, size / 10)
            generator.browsing = false
            let history = generator.interactions(catalogue: catalogue)
            progress("training item-to-item on \(size) purchases")
            let rssBefore = Measure.currentRSSMegabytes()
            let started = Date()
            let model = ModelBuilder(options: TrainingOptions(ease: EASE(maximumItems: 0)))
                .build(interactions: history, catalogue: catalogue, version: 1, now: generator.end, evaluate: false)
            let seconds = Date().timeIntervalSince(started)
            report.results.append(BenchResult(name: "train_item_knn", params: [("purchases", "\(size)"), ("items", "\(Self.itemCount)")],
                                              opsPerSecond: Double(size) / seconds,
                                              extra: [("seconds", seconds), ("rss_growth_mb", Measure.currentRSSMegabytes() - rssBefore),
                                                      ("peak_rss_mb", Measure.peakRSSMegabytes())]))
            largest = (model, history)
        }
        if let (model, history) = largest {
            measureServing(model, history: history, report: &report, progress: progress)
            if !quick { try compareWithNumPy(history, report: &report, progress: progress) }
        }
        try measureEASE(report: &report, progress: progress)
        report.notes.append("train_item_knn: the interaction matrix, each item's top-100 neighbours by shrunk cosine over buyers, bought-next's transitions, best sellers and "
                            + "trending; both cores (targets: 1M purchases over 10k items < 10 s, < 1 GB)")
        report.notes.append("ops/s of train rows = purchases trained per second; top10 and similar rows: calls per second on one thread")
        return report
    }

    private func measureServing(_ model: RecommendationModel, history: [Interaction], report: inout BenchReport, progress: (String) -> Void) {
        progress("serving: personal top-10 and similar items")
        var byUser: [String: [(item: String, weight: Double)]] = [:]
        var bought: [String: [(item: String, at: Double)]] = [:]
        for interaction in history {
            byUser[interaction.user, default: []].append((interaction.item, 1))
            bought[interaction.user, default: []].append((interaction.item, interaction.timestamp))
        }
        let users = Array(byUser.keys.sorted().prefix(quick ? 500 : 3000))
        var topTimes: [Double] = []
        for user in users {
            let own = byUser[user]!
            let excluded = Set(own.map(\.item))
            let began = DispatchTime.now().uptimeNanoseconds
            let proposed = model.recommend(history: own, purchases: bought[user] ?? [], excluding: excluded, limit: 10)
            topTimes.append(Double(DispatchTime.now().uptimeNanoseconds - began) / 1000)
            precondition(proposed.count == 10 && !proposed.contains { excluded.contains($0.item) }, "the benchmark's model proposed a bought item")
        }
        var similarTimes: [Double] = []
        for item in model.items.prefix(quick ? 1000 : 5000) {
            let began = DispatchTime.now().uptimeNanoseconds
            _ = model.similar(to: item, limit: 10)
            similarTimes.append(Double(DispatchTime.now().uptimeNanoseconds - began) / 1000)
        }
        let historySize = Double(users.reduce(0) { $0 + byUser[$1]!.count }) / Double(max(users.count, 1))
        report.results.append(BenchResult.latency("top10_per_user", topTimes, params: [("items", "\(model.items.count)")], extra: [("mean_history", historySize)]))
        report.results.append(BenchResult.latency("similar_items", similarTimes, params: [("items", "\(model.items.count)")]))
        report.notes.append("top10_per_user target p99 < 1 ms; similar_items target < 100 µs")
    }

    /// EASE on the shop's own catalogue (1,200 items) and the demo history, the serving model there.
    private func measureEASE(report: inout BenchReport, progress: (String) -> Void) throws {
        progress("training EASE on the shop's catalogue and demo history")
        let catalogue = CatalogGenerator.products().map { (id: $0.id, category: $0.category) }
        let history = DemoHistory().interactions(catalogue: catalogue)
        let started = Date()
        let model = ModelBuilder().build(interactions: history, catalogue: catalogue, version: 1, now: DemoHistory().end, evaluate: false)
        let seconds = Date().timeIntervalSince(started)
        report.results.append(BenchResult(name: "train_ease_and_knn", params: [("interactions", "\(history.count)"), ("items", "\(catalogue.count)")],
                                          opsPerSecond: Double(history.count) / seconds,
                                          extra: [("seconds", seconds), ("peak_rss_mb", Measure.peakRSSMegabytes())]))
        var times: [Double] = []
        for index in 0..<1000 {
            let own: [(item: String, weight: Double)] = [(catalogue[index % catalogue.count].id, 1.0), (catalogue[(index * 7) % catalogue.count].id, 1.0)]
            let began = DispatchTime.now().uptimeNanoseconds
            _ = model.recommend(history: own, purchases: own.enumerated().map { ($0.element.item, Double($0.offset)) }, excluding: Set(own.map(\.item)), limit: 10)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - began) / 1000)
        }
        report.results.append(BenchResult.latency("top10_\(model.servingName)", times, params: [("items", "\(catalogue.count)")]))
    }

    /// The same item-to-item training in NumPy/SciPy on the same purchases, timed by the script itself.
    private func compareWithNumPy(_ history: [Interaction], report: inout BenchReport, progress: (String) -> Void) throws {
        guard let script = Assets.directory.map({ $0 + "/bench/itemknn_numpy.py" }), FileManager.default.fileExists(atPath: script) else {
            report.notes.append("NumPy anchor skipped: assets/bench/itemknn_numpy.py not found")
            return
        }
        progress("the NumPy/SciPy anchor on the same purchases")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/purchases.csv"
        var users: [String: Int] = [:]
        var text = ""
        text.reserveCapacity(history.count * 14)
        for interaction in history {
            let user = users[interaction.user] ?? users.count
            users[interaction.user] = user
            text += "\(user),\(interaction.item.dropFirst())\n"
        }
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, path, "--items", "\(Self.itemCount)", "--json"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let seconds = (object["seconds"] as? NSNumber)?.doubleValue else {
            report.notes.append("NumPy anchor skipped: python3 with numpy and scipy is needed (status \(process.terminationStatus))")
            return
        }
        report.anchors.append(("numpy_scipy_item_knn_1m_seconds", seconds))
        if let ours = report.results.first(where: { $0.name == "train_item_knn" && $0.params.contains { $0 == ("purchases", "1000000") } }),
           let oursSeconds = ours.extra.first(where: { $0.0 == "seconds" })?.1 {
            report.ratios.append(("item_knn_1m_speed_vs_numpy (target ≥ 1)", seconds / oursSeconds))
        }
    }
}
