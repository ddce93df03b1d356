import CrashHarness
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import AWS

/// Our SigV4 signatures judged by a peer that checks them: moto with `INITIAL_NO_AUTH_ACTION_COUNT`, which
/// after the first requests verifies every signature against the access keys its IAM holds. The first three
/// requests (unchecked) make an IAM user with a key and a policy allowing everything; then a client signing
/// with that key is served, and the same key with a wrong secret is refused with AWS's code.
@Suite struct SignatureCheckingMotoTests {
    /// An IAM query-protocol request, signed with our signer (IAM is not a service the shop uses).
    static func iam(_ moto: MotoServer, _ parameters: [(String, String)]) async throws -> String {
        let body = Array((parameters + [("Version", "2010-05-08")]).map { "\($0)=\(SigV4Signer.encode($1))" }.joined(separator: "&").utf8)
        let host = moto.endpoint.host! + ":" + String(moto.endpoint.port!)
        let headers = [("Host", host), ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]
        let signer = SigV4Signer(credentials: AWSCredentials(accessKeyID: "testing", secretAccessKey: "testing"), region: "us-east-1", service: "iam")
        var request = URLRequest(url: moto.endpoint)
        request.httpMethod = "POST"
        request.httpBody = Data(body)
        for (name, value) in headers + signer.signatureHeaders(for: SignableRequest(method: "POST", headers: headers, body: body), at: Date()) {
            request.setValue(value, forHTTPHeaderField: name)
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let text = String(decoding: data, as: UTF8.self)
        #expect((response as? HTTPURLResponse)?.statusCode == 200, "\(parameters.first?.1 ?? ""): \(text)")
        return text
    }

    static func element(_ name: String, in xml: String) -> String? {
        guard let start = xml.range(of: "<\(name)>"), let end = xml.range(of: "</\(name)>", range: start.upperBound..<xml.endIndex) else { return nil }
        return String(xml[start.upperBound..<end.lowerBound])
    }

    static func client(_ moto: MotoServer, _ credentials: AWSCredentials) -> AWSClient {
        AWSClient(configuration: AWSConfiguration(region: "us-east-1", credentials: credentials, endpoints: [.dynamodb: moto.endpoint, .sqs: moto.endpoint]),
                  policy: RetryPolicy(maximumAttempts: 1))
    }

    @Test func motoCheckingSignaturesAcceptsOursAndRefusesAWrongSecret() async throws {
        guard let moto = try await MotoServer.starting(environment: ["INITIAL_NO_AUTH_ACTION_COUNT": "3"]) else { return }
        defer { moto.stop() }
        _ = try await Self.iam(moto, [("Action", "CreateUser"), ("UserName", "shopdeck")])
        let key = try await Self.iam(moto, [("Action", "CreateAccessKey"), ("UserName", "shopdeck")])
        let policy = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#
        _ = try await Self.iam(moto, [("Action", "PutUserPolicy"), ("UserName", "shopdeck"), ("PolicyName", "all"), ("PolicyDocument", policy)])
        let id = try #require(Self.element("AccessKeyId", in: key)), secret = try #require(Self.element("SecretAccessKey", in: key))

        // Signed right: served (DynamoDB and SQS, both JSON 1.0 over our client).
        let good = Self.client(moto, AWSCredentials(accessKeyID: id, secretAccessKey: secret))
        _ = try await good.call(.dynamodb, target: "DynamoDB_20120810.ListTables", body: Data("{}".utf8))
        _ = try await good.call(.sqs, target: "AmazonSQS.ListQueues", body: Data("{}".utf8))

        // The same key with a wrong secret: refused, with the code AWS gives a bad signature.
        do {
            _ = try await Self.client(moto, AWSCredentials(accessKeyID: id, secretAccessKey: secret + "x"))
                .call(.dynamodb, target: "DynamoDB_20120810.ListTables", body: Data("{}".utf8))
            Issue.record("a wrong secret was accepted")
        } catch {
            #expect(["InvalidSignatureException", "SignatureDoesNotMatch"].contains(error.code ?? ""), "\(error)")
        }
        // A key moto's IAM does not hold: refused too.
        do {
            _ = try await Self.client(moto, AWSCredentials(accessKeyID: "AKIAUNKNOWN000000000", secretAccessKey: secret))
                .call(.dynamodb, target: "DynamoDB_20120810.ListTables", body: Data("{}".utf8))
            Issue.record("an unknown key was accepted")
        } catch {
            #expect(error.code != nil, "\(error)")
        }
    }
}
