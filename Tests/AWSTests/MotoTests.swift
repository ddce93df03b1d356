import CrashHarness
import Foundation
import Testing
@testable import AWS

extension MotoServer {
    func client() -> AWSClient {
        let endpoints = Dictionary(uniqueKeysWithValues: AWSService.allCases.map { ($0, endpoint) })
        return AWSClient(configuration: AWSConfiguration(region: "us-east-1", credentials: AWSCredentials(accessKeyID: "testing", secretAccessKey: "testing"),
                                                             endpoints: endpoints))
    }
}

@Suite struct MotoTests {
    func json(_ object: [String: Any]) -> Data { try! JSONSerialization.data(withJSONObject: object) }

    @Test func dynamoDBCallsThroughTheClientAgainstMoto() async throws {
        guard let moto = try await MotoServer.starting() else { return }
        defer { moto.stop() }
        let client = moto.client()
        let table = "shopdeck-test-stock"
        _ = try await client.call(.dynamodb, target: "DynamoDB_20120810.CreateTable", body: json([
            "TableName": table, "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [["AttributeName": "pk", "AttributeType": "S"]], "KeySchema": [["AttributeName": "pk", "KeyType": "HASH"]],
        ]), resource: table)
        _ = try await client.call(.dynamodb, target: "DynamoDB_20120810.PutItem",
                                  body: json(["TableName": table, "Item": ["pk": ["S": "p1"], "stock": ["N": "3"]]]), resource: table)
        let answer = try await client.call(.dynamodb, target: "DynamoDB_20120810.GetItem",
                                           body: json(["TableName": table, "Key": ["pk": ["S": "p1"]], "ConsistentRead": true]), resource: table)
        let item = try #require((try JSONSerialization.jsonObject(with: answer) as? [String: Any])?["Item"] as? [String: [String: String]])
        #expect(item["stock"]?["N"] == "3")
        // A conditional write that fails, and a table that does not exist: the AWS code and the resource named.
        do {
            _ = try await client.call(.dynamodb, target: "DynamoDB_20120810.PutItem", body: json([
                "TableName": table, "Item": ["pk": ["S": "p1"]], "ConditionExpression": "attribute_not_exists(pk)",
            ]), resource: table)
            Issue.record("the condition did not fail")
        } catch {
            #expect(error.code == "ConditionalCheckFailedException" && error.call.resource == table, "\(error)")
        }
        do {
            _ = try await client.call(.dynamodb, target: "DynamoDB_20120810.GetItem",
                                      body: json(["TableName": "missing", "Key": ["pk": ["S": "x"]]]), resource: "missing")
            Issue.record("a missing table answered")
        } catch {
            #expect(error.code == "ResourceNotFoundException" && error.description.contains("on missing"), "\(error)")
        }
    }
}
