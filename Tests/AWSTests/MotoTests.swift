import CrashHarness
import Foundation
import Testing
@testable import AWS

/// moto on loopback (`assets/aws/moto-serial.py`), one request at a time, for tests of the AWS client
/// against a peer's semantics. Nil, with the reason printed, when moto is not installed.
final class MotoServer: Sendable {
    let child: SpawnedChild
    let endpoint: URL

    private init(child: SpawnedChild, endpoint: URL) {
        self.child = child
        self.endpoint = endpoint
    }

    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("assets/aws/moto-serial.py").path
    }

    static func start() throws -> MotoServer? {
        let child = try SpawnedChild("/usr/bin/env", ["python3", script, "--port", "0"], killAfterSeconds: 120)
        var text = ""
        while !text.contains("\n"), let piece = child.readOutput() { text += String(decoding: piece, as: UTF8.self) }
        guard let line = text.split(separator: "\n").first, line.hasPrefix("moto-serial listening on "),
              let url = URL(string: String(line.dropFirst("moto-serial listening on ".count))) else {
            kill(child.pid, SIGKILL)
            _ = child.wait()
            print("AWS tests against moto skipped: \(child.errorToEnd().trimmingCharacters(in: .whitespacesAndNewlines))")
            return nil
        }
        return MotoServer(child: child, endpoint: url)
    }

    func stop() {
        kill(child.pid, SIGTERM)
        _ = child.wait()
    }

    func client() -> AWSJSONClient {
        let endpoints = Dictionary(uniqueKeysWithValues: AWSService.allCases.map { ($0, endpoint) })
        return AWSJSONClient(configuration: AWSConfiguration(region: "us-east-1", credentials: AWSCredentials(accessKeyID: "testing", secretAccessKey: "testing"),
                                                             endpoints: endpoints))
    }
}

@Suite struct MotoTests {
    func json(_ object: [String: Any]) -> Data { try! JSONSerialization.data(withJSONObject: object) }

    @Test func dynamoDBCallsThroughTheClientAgainstMoto() async throws {
        guard let moto = try MotoServer.start() else { return }
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
