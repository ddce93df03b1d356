import Foundation
import HTTP
import Recommender
import Shop
import Telemetry

/// `GET /admin/recommender`: the model in service, how it scored against popularity, the versions on disk,
/// when the pipeline runs next, and what each version's recommendations earned.
extension AdminRoutes {
    struct MetricsView: Encodable {
        var hitRate10: Double
        var ndcg10: Double
        var recall20: Double
        var coverage10: Double

        private enum CodingKeys: String, CodingKey {
            case hitRate10 = "HR@10", ndcg10 = "NDCG@10", recall20 = "Recall@20", coverage10 = "coverage@10"
        }

        init(_ row: EvaluationRow) {
            hitRate10 = row.hitRate10
            ndcg10 = row.ndcg10
            recall20 = row.recall20
            coverage10 = row.coverage10
        }
    }

    /// What the recommendations earned, per model version, and the newest against the one before.
    struct AttributionView: Encodable {
        struct Version: Encodable {
            var version: Int
            var lists: Int
            var impressions: Int
            var cartAdds: Int
            var orders: Int
            var units: Int
            var revenue: Int
            var cartAddsPerThousand: Double
            var ordersPerThousand: Double
            var revenuePerThousand: Double
            /// Absent until a showing of the version is counted (a cart add or order alone carries no time).
            var firstShownAt: String?
            var lastShownAt: String?

            init(_ figures: RecommendationAttribution.Figures) {
                version = figures.version
                lists = figures.lists
                impressions = figures.impressions
                cartAdds = figures.cartAdds
                orders = figures.orders
                units = figures.units
                revenue = figures.revenue
                cartAddsPerThousand = figures.cartAddsPerThousand
                ordersPerThousand = figures.ordersPerThousand
                revenuePerThousand = figures.revenuePerThousand
                let shown = figures.firstShownAt.isFinite && figures.lastShownAt > 0
                firstShownAt = shown ? Logger.timestamp(Date(timeIntervalSince1970: figures.firstShownAt)) : nil
                lastShownAt = shown ? Logger.timestamp(Date(timeIntervalSince1970: figures.lastShownAt)) : nil
            }
        }

        struct Comparison: Encodable {
            var version: Int
            var previous: Int
            var ordersPerThousandDifference: Double
            var ordersPerThousandDifferenceLow: Double
            var ordersPerThousandDifferenceHigh: Double
            var revenuePerThousandDifference: Double
        }

        var windowSeconds: Double
        var confirmedOrders: Int
        var versions: [Version]
        var comparison: Comparison?

        private enum CodingKeys: String, CodingKey { case windowSeconds, confirmedOrders, versions, comparison }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(windowSeconds, forKey: .windowSeconds)
            try container.encode(confirmedOrders, forKey: .confirmedOrders)
            try container.encode(versions, forKey: .versions)
            try container.encode(comparison, forKey: .comparison)
        }

        init(_ attribution: RecommendationAttribution) {
            windowSeconds = attribution.windowSeconds
            confirmedOrders = attribution.confirmedOrders
            versions = attribution.figures().map(Version.init)
            comparison = attribution.comparison().map {
                Comparison(version: $0.version, previous: $0.previous, ordersPerThousandDifference: $0.ordersPerThousandDifference,
                           ordersPerThousandDifferenceLow: $0.interval.lowerBound, ordersPerThousandDifferenceHigh: $0.interval.upperBound,
                           revenuePerThousandDifference: $0.revenuePerThousandDifference)
            }
        }
    }

    struct RecommenderView: Encodable {
        var modelVersion: Int?
        var trainedAt: String?
        var algorithm: String?
        var evaluatedUsers: Int?
        /// `model` (the serving algorithm's row) and `popularity`, plus every algorithm by name.
        var metrics: [String: MetricsView]
        var versions: [Int]
        var schedule: String?
        var nextRunAt: String?
        var attribution: AttributionView
        /// The A/B split: the share of shoppers kept on `controlVersion` (0: none).
        var split: Split

        struct Split: Encodable {
            var percent: Int
            var controlVersion: Int?
        }

        private enum CodingKeys: String, CodingKey {
            case modelVersion, trainedAt, algorithm, evaluatedUsers, metrics, versions, schedule, nextRunAt, attribution, split
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(modelVersion, forKey: .modelVersion)
            try container.encode(trainedAt, forKey: .trainedAt)
            try container.encodeIfPresent(algorithm, forKey: .algorithm)
            try container.encodeIfPresent(evaluatedUsers, forKey: .evaluatedUsers)
            try container.encode(metrics, forKey: .metrics)
            try container.encode(versions, forKey: .versions)
            try container.encodeIfPresent(schedule, forKey: .schedule)
            try container.encodeIfPresent(nextRunAt, forKey: .nextRunAt)
            try container.encode(attribution, forKey: .attribution)
            try container.encode(split, forKey: .split)
        }
    }

    func registerRecommender(_ router: inout Router) {
        let core = self.core
        router.get("/admin/recommender", route { _, _ in
            let model = core.recommendations.slot.current
            var metrics: [String: MetricsView] = [:]
            if let model {
                for (name, row) in model.metrics { metrics[name] = MetricsView(row) }
                if let serving = model.servingMetrics { metrics["model"] = MetricsView(serving) }
            }
            let schedule = core.scheduler.schedules().first { $0.definition.name == RecommendationPipeline.schedule }
            return JSONBody.response(RecommenderView(
                modelVersion: model?.version, trainedAt: model.map { Logger.timestamp(Date(timeIntervalSince1970: $0.trainedAt)) },
                algorithm: model?.servingName, evaluatedUsers: model?.evaluatedUsers, metrics: metrics,
                versions: core.recommendations.models.versions(), schedule: schedule?.definition.expression.description,
                nextRunAt: schedule?.nextFireAt.map(Logger.timestamp), attribution: AttributionView(core.recommendations.attribution),
                split: .init(percent: core.recommendations.splitPercent,
                             controlVersion: core.recommendations.splitPercent > 0 ? core.recommendations.controlVersion() : nil)))
        })
    }
}
