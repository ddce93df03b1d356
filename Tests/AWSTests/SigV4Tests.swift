import Foundation
import Hashing
import Testing
@testable import AWS

/// The signer against AWS's published Signature Version 4 examples: the signature test suite (credentials
/// `AKIDEXAMPLE`, 2015-08-30 12:36:00 UTC, us-east-1, service `service`) and the IAM `ListUsers` example of
/// the signing-process documentation, with its derived signing key.
@Suite struct SigV4Tests {
    static let credentials = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    static let date = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z

    static func authorization(_ request: SignableRequest, service: String = "service") -> String {
        let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: service)
        return signer.signatureHeaders(for: request, at: date).first { $0.name == "Authorization" }?.value ?? ""
    }

    @Test(arguments: [
        ("GET", "/", [(String, String)](), "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),           // get-vanilla
        ("POST", "/", [], "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),                              // post-vanilla
        ("GET", "/", [("Param1", "value1")], "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"),           // get-vanilla-empty-query-key
        ("GET", "/\u{1234}", [], "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),                      // get-utf8
        ("GET", "/example space/", [], "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"),                 // get-space
        ("GET", "//example//", [], "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84"),                     // get-slashes
        ("GET", "/./example", [], "ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5"),                      // get-slash-pointless-dot
    ])
    func theSignatureTestSuite(_ method: String, _ path: String, _ query: [(String, String)], _ signature: String) {
        let request = SignableRequest(method: method, path: path, query: query.map { (name: $0.0, value: $0.1) }, headers: [("Host", "example.amazonaws.com")])
        #expect(Self.authorization(request)
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=\(signature)")
    }

    @Test func theIAMListUsersExampleWithItsSigningKey() {
        let request = SignableRequest(method: "GET", path: "/", query: [("Version", "2010-05-08"), ("Action", "ListUsers")],
                                      headers: [("Host", "iam.amazonaws.com"), ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")])
        let signer = SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: "iam")
        #expect(Hex.encode(signer.signingKey(day: "20150830")) == "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9")
        var withDate = request
        withDate.headers.append(("X-Amz-Date", "20150830T123600Z"))
        #expect(Hex.encode(SHA256.hash(Array(signer.canonicalRequest(withDate).text.utf8))) == "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59")
        #expect(Self.authorization(request, service: "iam")
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7")
    }

    @Test func aSessionTokenIsSentAndSigned() {
        let signer = SigV4Signer(credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: "token/with+chars="),
                                 region: "eu-west-1", service: "dynamodb")
        let headers = signer.signatureHeaders(for: SignableRequest(method: "POST", headers: [("Host", "dynamodb.eu-west-1.amazonaws.com")]), at: Self.date)
        #expect(headers.contains { $0.name == "X-Amz-Security-Token" && $0.value == "token/with+chars=" })
        #expect(headers.first { $0.name == "Authorization" }?.value.contains("SignedHeaders=host;x-amz-date;x-amz-security-token,") == true)
    }

    @Test func aChangedSecretBodyOrDateChangesTheSignature() {
        let request = SignableRequest(method: "POST", headers: [("Host", "example.amazonaws.com")], body: Array(#"{"TableName":"t"}"#.utf8))
        let base = Self.authorization(request)
        var other = request
        other.body = Array(#"{"TableName":"u"}"#.utf8)
        #expect(Self.authorization(other) != base)
        let wrongSecret = SigV4Signer(credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wrong"), region: "us-east-1", service: "service")
        #expect(wrongSecret.signatureHeaders(for: request, at: Self.date).first { $0.name == "Authorization" }?.value != base)
        #expect(SigV4Signer.timestamp(Self.date) == "20150830T123600Z")
    }
}
