import AWS
import AWSBackend
import Foundation
import Shop

/// `serve --backend aws`: the configuration from the environment, the DynamoDB store and the SQS/SNS
/// broker under `prefix`, and what the first start created.
struct AWSShopBackend {
    let configuration: AWSConfiguration
    let store: DynamoDBStore
    let broker: AWSBroker
    let client: AWSClient

    init(environment: [String: String], prefix: String) throws {
        do throws(AWSConfigurationError) {
            configuration = try AWSConfiguration.fromEnvironment(environment)
        } catch {
            throw RuntimeFailure(description: "--backend aws: \(error)")
        }
        let client = AWSClient(configuration: configuration)
        self.client = client
        store = DynamoDBStore(client: client, prefix: prefix)
        // SHOPDECK_SQS_MAX_WAIT_SECONDS caps long polls for an emulator that serves one request at a time.
        let wait = environment["SHOPDECK_SQS_MAX_WAIT_SECONDS"].flatMap(Double.init).map { min(max($0, 0), 20) } ?? 20
        broker = AWSBroker(client: client, prefix: prefix, maximumWaitSeconds: wait)
    }

    var backend: CoreBackend {
        .remote(store: store, broker: broker, name: "aws \(configuration.region)", requestCounts: { [client] in client.requestCounts })
    }

    /// One line: the endpoints and what this start created (tables, queues, topics), or that it found them all.
    func report() -> String {
        let created = store.created + broker.created
        let endpoints = Set(AWSService.allCases.map { configuration.endpoint($0).absoluteString }).sorted().joined(separator: ", ")
        return "aws backend (\(configuration.region), \(endpoints)): "
            + (created.isEmpty ? "found every table, queue and topic" : "created \(created.joined(separator: ", "))")
    }
}
