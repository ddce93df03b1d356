import Foundation
import HTTP
import Recommender
import Shop
import Telemetry

/// `GET /admin/recommender`: the model in service, how it scored against popularity, the versions on disk
/// and when the pipeline runs next.
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

        private enum CodingKeys: String, CodingKey { case modelVersion, trainedAt, algorithm, evaluatedUsers, metrics, versions, schedule, nextRunAt }

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
                nextRunAt: schedule?.nextFireAt.map(Logger.timestamp)))
        })
    }
}
