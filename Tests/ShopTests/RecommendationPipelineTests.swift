import Foundation
import HTTP
import Recommender
import Synchronization
import Testing
import Workflow
@testable import Shop

/// The recommendation pipeline driven through the saga engine and the admin API, and the endpoints that
/// serve its model.
@Suite struct RecommendationPipelineTests {
    /// A history small enough for a debug build: 400 shoppers, 4,000 purchases over the test catalog.
    static var smallHistory: DemoHistory {
        var history = DemoHistory()
        history.users = 400
        history.purchases = 4000
        return history
    }

    static func shopWithHistory(directory: String = temporaryDataDirectory(), hook: (@Sendable (String) async throws -> Void)? = nil) async throws -> TestShop {
        try await TestShop.start(directory: directory) { options in
            options.demoHistory = smallHistory
            options.pipelineStepHook = hook
        }
    }

    /// The run the core started at open (no model was in service), once it has ended.
    static func startupRun(_ shop: TestShop) async throws -> SagaRun {
        let run = try #require(shop.core.sagas.runs(saga: RecommendationPipeline.name).first)
        return try await shop.core.sagas.waitForRun(run.runID)
    }

    func files(_ shop: TestShop, _ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: shop.directory + "/" + folder)) ?? []).sorted()
    }

    @Test func aCleanRunPublishesAModelThatServesEveryEndpoint() async throws {
        let shop = try await Self.shopWithHistory()
        defer { Task { await shop.stop() } }
        let run = try await Self.startupRun(shop)
        #expect(run.state == .succeeded, "\(run.steps.compactMap(\.error))")
        #expect(run.steps.map(\.name) == ["export", "catalog", "query", "train", "evaluate", "publish"])
        #expect(shop.core.recommendations.slot.current?.version == 1)
        #expect(files(shop, "models") == ["CURRENT", "model-1.bin"])
        #expect(files(shop, "exports/\(run.runID)") == ["demo-history.tsv", "interactions", "orders", "training.tsv"])
        let catalog = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: shop.directory + "/catalog/\(run.runID).json"))) as? [String: Any])
        let partitions = try #require(catalog["partitions"] as? [[String: Any]])
        #expect(partitions.map { $0["name"] as? String } == ["orders", "interactions", "demo-history"])
        #expect(partitions.last?["rows"] as? Int ?? 0 > 4000)

        let admin = try await shop.call("GET", "/admin/recommender", token: shop.adminToken).object
        #expect(admin["modelVersion"] as? Int == 1)
        #expect(admin["schedule"] as? String == RecommendationPipeline.nightly)
        let metrics = try #require(admin["metrics"] as? [String: [String: Double]])
        let model = try #require(metrics["model"]?["NDCG@10"]), popularity = try #require(metrics["popularity"]?["NDCG@10"])
        #expect(model > popularity)

        let product = TestShop.products[0]
        let similar = try await shop.call("GET", "/api/products/\(product.id)/similar?limit=5").object
        #expect(similar["productId"] as? String == product.id && similar["modelVersion"] as? Int == 1)
        let similarItems = try #require(similar["items"] as? [[String: Any]])
        #expect(!similarItems.isEmpty && similarItems.count <= 5)
        #expect(similarItems.allSatisfy { ($0["reason"] as? String) == "bought together with \(product.name)" })
        #expect(try await shop.call("GET", "/api/products/nope/similar").status == 404)
        #expect(try await shop.call("GET", "/api/products/\(product.id)/similar?limit=500").status == 422)

        let status = try await shop.call("GET", "/status").object
        let recommender = try #require((status["components"] as? [String: [String: Any]])?["recommender"])
        #expect(recommender["modelVersion"] as? Int == 1 && recommender["status"] as? String == "ok")

        let top = try await shop.call("GET", "/api/recommendations/top").object
        #expect(top["topSellers"] as? [Any] != nil && top["trending"] as? [Any] != nil)
    }

    @Test func aShoppersRecommendationsFollowTheirPurchasesAndNeverRepeatThem() async throws {
        let shop = try await Self.shopWithHistory()
        defer { Task { await shop.stop() } }
        _ = try await Self.startupRun(shop)
        let shopper = try await shop.shopper()
        #expect(try await shop.call("GET", "/api/recommendations").status == 401)
        let cold = try await shop.call("GET", "/api/recommendations", token: shopper.token).object
        let coldItems = try #require(cold["items"] as? [[String: Any]])
        #expect(coldItems.count == 10)
        #expect(coldItems.allSatisfy { ($0["reason"] as? String)?.hasPrefix("popular") == true || $0["reason"] as? String == "trending" })

        let bought = TestShop.products[3]
        try await shop.core.recommendations.interactions.record(userId: shopper.userId, productId: bought.id, kind: .purchase,
                                                                  at: shop.clock.now(), messageID: "m1")
        let warm = try await shop.call("GET", "/api/recommendations?limit=5", token: shopper.token).object
        let warmItems = try #require(warm["items"] as? [[String: Any]])
        #expect(warmItems.count == 5)
        #expect(!warmItems.contains { $0["productId"] as? String == bought.id }, "never what they bought")
        // Either signal may lead; either way the reason names what the shopper bought.
        #expect(["bought together with \(bought.name)", "often bought after \(bought.name)"].contains(warmItems.first?["reason"] as? String ?? ""))
    }

    @Test func aConfirmedOrderBecomesTheShoppersInteractionAndALiveBestSeller() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let shopper = try await shop.shopper()
        let placed = try await shop.call("POST", "/api/orders", json: #"{"items":[{"productId":"p2","quantity":1}]}"#, token: shopper.token,
                                         headers: { var h = HTTPHeaders(); h.set("Idempotency-Key", "rec-1"); return h }())
        #expect(placed.status == 202)
        try await eventually {
            try await shop.core.recommendations.interactions.history(of: shopper.userId).contains { $0.item == "p2" && $0.isPurchase }
                && shop.core.recommendations.top(limit: 3).sellers.first?.item == "p2"
        }
    }

    /// A failure before publishing holds the run with what it made (nothing the shop serves changed); abandoning
    /// it undoes that in reverse. A failure while publishing compensates at once, putting the previous model back.
    @Test func aFailureAtEveryStepIsHeldOrCompensatedInReverseAndThePreviousModelKeepsServing() async throws {
        let shop = try await Self.shopWithHistory()
        defer { Task { await shop.stop() } }
        #expect(try await Self.startupRun(shop).state == .succeeded)
        let steps = ["export", "catalog", "query", "train", "evaluate", "publish"]
        for (index, step) in steps.enumerated() {
            let started = try await shop.call("POST", "/admin/pipelines/recommendations/runs", json: #"{"failAt":"\#(step)"}"#, token: shop.adminToken)
            #expect(started.status == 202)
            let runID = try #require(started.object["runId"] as? String)
            var run = try await shop.core.sagas.waitForRun(runID)
            if step != "publish" {
                #expect(run.state == .failed, "\(step): held for a decision")
                #expect(FileManager.default.fileExists(atPath: shop.directory + "/exports/\(runID)") == (index > 0), "\(step): what it made is kept")
                #expect(shop.core.recommendations.slot.current?.version == 1, "\(step)")
                let abandoned = try await shop.call("POST", "/admin/runs/\(runID)/abandon", token: shop.adminToken)
                #expect(abandoned.status == 202, "\(step)")
                run = try await shop.core.sagas.waitForRun(runID)
            }
            #expect(run.state == .compensated, "\(step)")
            // Undone in reverse: every step before the failed one that has something to undo.
            let undone = run.history.filter { $0.type == "stepCompensated" }.compactMap(\.step)
            #expect(undone == Array(steps[..<index].reversed()), "\(step)")
            #expect(!FileManager.default.fileExists(atPath: shop.directory + "/exports/\(runID)"), "\(step)")
            #expect(!FileManager.default.fileExists(atPath: shop.directory + "/catalog/\(runID).json"), "\(step)")
            #expect(files(shop, "models") == ["CURRENT", "model-1.bin"], "\(step)")
            #expect(shop.core.recommendations.slot.current?.version == 1, "\(step)")
        }
        let view = try await shop.call("GET", "/admin/runs?pipeline=recommendations&state=compensated", token: shop.adminToken).object
        #expect((view["items"] as? [Any])?.count == steps.count)
    }

    /// Step Functions' redrive over HTTP: a run held at `train` resumes there — the export is not taken again —
    /// and publishes; the run view gives each step's attempts and time. Redriving it again is a conflict.
    @Test func aHeldRunRedrivenOverHTTPResumesAtItsFailedStepAndPublishes() async throws {
        let shop = try await Self.shopWithHistory()
        defer { Task { await shop.stop() } }
        #expect(try await Self.startupRun(shop).state == .succeeded)
        let started = try await shop.call("POST", "/admin/pipelines/recommendations/runs", json: #"{"failAt":"train"}"#, token: shop.adminToken)
        let runID = try #require(started.object["runId"] as? String)
        #expect(try await shop.core.sagas.waitForRun(runID).state == .failed)
        let status = try await shop.call("GET", "/status", token: shop.adminToken).text
        #expect(status.contains("run(s) failed and are held") && status.contains(runID), "a finding names the held run")
        let exported = try FileManager.default.attributesOfItem(atPath: shop.directory + "/exports/\(runID)/\(Orders.table)/manifest.json")[.modificationDate] as? Date

        let viewer = try await shop.call("POST", "/admin/runs/\(runID)/redrive", token: shop.core.tokens.token(.viewer))
        #expect(viewer.status == 403)
        #expect(try await shop.call("POST", "/admin/runs/nope/redrive", token: shop.adminToken).status == 404)
        let redriven = try await shop.call("POST", "/admin/runs/\(runID)/redrive", token: shop.adminToken)
        #expect(redriven.status == 202)
        #expect((redriven.object["message"] as? String)?.hasSuffix("from train") == true)
        let run = try await shop.core.sagas.waitForRun(runID)
        #expect(run.state == .succeeded)
        // A redrive starts the failed step's attempts afresh (as its retry policy counts them); the history has both.
        let entered = run.history.filter { $0.type == "stepEntered" }.compactMap(\.step)
        #expect(entered == ["export", "catalog", "query", "train", "train", "evaluate", "publish"], "export, catalog and query ran once")
        #expect(shop.core.recommendations.slot.current?.version == 2)
        let after = try FileManager.default.attributesOfItem(atPath: shop.directory + "/exports/\(runID)/\(Orders.table)/manifest.json")[.modificationDate] as? Date
        #expect(after == exported, "the export was not taken again")

        let view = try await shop.call("GET", "/admin/runs/\(runID)", token: shop.adminToken).object
        let shownSteps = try #require(view["steps"] as? [[String: Any]])
        #expect(shownSteps.allSatisfy { ($0["seconds"] as? Double).map { $0 >= 0 } == true }, "\(shownSteps)")
        #expect(try await shop.call("POST", "/admin/runs/\(runID)/redrive", token: shop.adminToken).status == 409)
        #expect(try await shop.call("POST", "/admin/runs/\(runID)/abandon", token: shop.adminToken).status == 409)
        let audit = shop.core.audit.entries(since: 0, limit: 100).map(\.action)
        #expect(audit.contains("pipeline.redrive"))
    }

    @Test func withoutEnoughHistoryTheGateKeepsTheShopOnBestSellers() async throws {
        let shop = try await TestShop.start()
        defer { Task { await shop.stop() } }
        let started = try await shop.call("POST", "/admin/pipelines/recommendations/runs", token: shop.adminToken)
        let run = try await shop.core.sagas.waitForRun(try #require(started.object["runId"] as? String))
        #expect(run.state == .compensated)
        let error = try #require(run.steps.first { $0.name == "evaluate" }?.error)
        #expect(error.contains("ModelGateFailed") && error.contains("only 0 shoppers to evaluate on") && error.contains("keeping no model"))
        #expect(shop.core.recommendations.slot.current == nil)
        #expect(try await shop.call("GET", "/admin/recommender", token: shop.adminToken).object["modelVersion"] is NSNull)
        #expect(files(shop, "models").isEmpty)
    }

    @Test func aRunStoppedDuringTrainingResumesAfterTheRestart() async throws {
        let directory = temporaryDataDirectory()
        let reached = StepSignal()
        let shop = try await Self.shopWithHistory(directory: directory) { step in
            if step == "train" { try await reached.arriveAndWaitForCancellation() }
        }
        await reached.waitForArrival()
        // The process stops in the middle of training: the run is left entered but unfinished.
        await shop.stop(removingData: false)
        let reopened = try await Self.shopWithHistory(directory: directory)
        defer { Task { await reopened.stop() } }
        // The interrupted attempt is retried after the step's backoff, on the manual clock: move it on until
        // the run has ended.
        let runID = try #require(reopened.core.sagas.runs(saga: RecommendationPipeline.name).first?.runID)
        try await eventually {
            reopened.clock.advance(by: 0.5)
            return reopened.core.sagas.run(runID)?.state.isTerminal == true
        }
        let run = try await reopened.core.sagas.waitForRun(runID)
        #expect(run.state == .succeeded)
        #expect(run.steps.first { $0.name == "train" }?.attempts == 2, "the interrupted attempt, then the one that finished")
        #expect(reopened.core.recommendations.slot.current?.version == 1)
        #expect(reopened.core.sagas.runs(saga: RecommendationPipeline.name).count == 1, "resumed, not started again")
    }
}

/// A step that announces it has begun and then holds until its task is cancelled (the core closing).
final class StepSignal: Sendable {
    private let state = Mutex<(arrived: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    /// Returns only by throwing `CancellationError`, so the step never goes on.
    func arriveAndWaitForCancellation() async throws {
        let waiters = state.withLock { s in
            s.arrived = true
            defer { s.waiters = [] }
            return s.waiters
        }
        for waiter in waiters { waiter.resume() }
        let holder = Mutex<CheckedContinuation<Void, Never>?>(nil)
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let cancelled = holder.withLock { held -> Bool in
                    held = continuation
                    return Task.isCancelled
                }
                if cancelled { holder.withLock { $0.take() }?.resume() }
            }
        } onCancel: {
            holder.withLock { $0.take() }?.resume()
        }
        throw CancellationError()
    }

    func waitForArrival() async {
        await withCheckedContinuation { continuation in
            let arrived = state.withLock { s in
                if !s.arrived { s.waiters.append(continuation) }
                return s.arrived
            }
            if arrived { continuation.resume() }
        }
    }
}
