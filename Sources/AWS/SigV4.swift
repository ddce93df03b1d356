import Foundation
import Hashing

/// The credentials a request is signed with, as AWS SDKs take them: an access key, its secret, and for
/// temporary credentials the session token (sent as `X-Amz-Security-Token` and signed with the rest).
public struct AWSCredentials: Sendable, Equatable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }
}

/// A request as SigV4 sees it: method, path and query as they go on the wire, headers, body.
public struct SignableRequest: Sendable, Equatable {
    public var method: String
    /// The path, unencoded (`/`, `/example space/`); the signer encodes it.
    public var path: String
    /// Query parameters as name and value pairs, unencoded, in any order.
    public var query: [(name: String, value: String)]
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(method: String, path: String = "/", query: [(name: String, value: String)] = [], headers: [(name: String, value: String)],
                body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    public static func == (a: SignableRequest, b: SignableRequest) -> Bool {
        a.method == b.method && a.path == b.path && a.body == b.body
            && a.query.elementsEqual(b.query, by: ==) && a.headers.elementsEqual(b.headers, by: ==)
    }
}

/// AWS Signature Version 4 (`AWS4-HMAC-SHA256`) for services other than S3: the canonical request (method,
/// normalised and encoded path, sorted query, lowercased sorted headers with their values trimmed, the
/// signed header list, the body's SHA-256), the string to sign over the date, region and service scope,
/// and the HMAC chain that derives the signing key from the secret. Checked against AWS's published
/// signature test suite (`SigV4Tests`) and by moto checking signatures against its IAM (`SignatureCheckingMotoTests`).
public struct SigV4Signer: Sendable {
    public var credentials: AWSCredentials
    public var region: String
    public var service: String

    public init(credentials: AWSCredentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// The headers to add to `request` to sign it at `date`: `X-Amz-Date`, `X-Amz-Security-Token` with
    /// temporary credentials, and `Authorization`. `request.headers` must already hold `Host`.
    public func signatureHeaders(for request: SignableRequest, at date: Date) -> [(name: String, value: String)] {
        let stamp = Self.timestamp(date)
        var added: [(name: String, value: String)] = [("X-Amz-Date", stamp)]
        if let token = credentials.sessionToken { added.append(("X-Amz-Security-Token", token)) }
        var signed = request
        signed.headers += added
        let (canonical, signedHeaders) = canonicalRequest(signed)
        let scope = "\(stamp.prefix(8))/\(region)/\(service)/aws4_request"
        let stringToSign = "AWS4-HMAC-SHA256\n\(stamp)\n\(scope)\n\(Hex.encode(SHA256.hash(Array(canonical.utf8))))"
        let signature = Hex.encode(HMACSHA256.authenticationCode(for: Array(stringToSign.utf8), key: signingKey(day: String(stamp.prefix(8)))))
        added.append(("Authorization", "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"))
        return added
    }

    /// The canonical request and the signed-header list (`host;x-amz-date`).
    public func canonicalRequest(_ request: SignableRequest) -> (text: String, signedHeaders: String) {
        var headers: [String: [String]] = [:]
        for (name, value) in request.headers { headers[name.lowercased(), default: []].append(Self.trimmed(value)) }
        let names = headers.keys.sorted()
        let headerLines = names.map { "\($0):\(headers[$0]!.joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let encoded: [(name: String, value: String)] = request.query.map { (Self.encode($0.name), Self.encode($0.value)) }
        let sorted = encoded.sorted { $0.name == $1.name ? $0.value < $1.value : $0.name < $1.name }
        let query = sorted.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
        let text = [request.method, Self.canonicalPath(request.path), query, headerLines, signedHeaders, Hex.encode(SHA256.hash(request.body))]
            .joined(separator: "\n")
        return (text, signedHeaders)
    }

    /// `kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request")`.
    public func signingKey(day: String) -> [UInt8] {
        var key = HMACSHA256.authenticationCode(for: Array(day.utf8), key: Array("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [region, service, "aws4_request"] { key = HMACSHA256.authenticationCode(for: Array(part.utf8), key: key) }
        return key
    }

    /// `20150830T123600Z`.
    public static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }

    /// The path with `.` and `..` segments resolved and repeated slashes collapsed (as AWS normalises every
    /// service's path but S3's), each segment percent-encoded.
    static func canonicalPath(_ path: String) -> String {
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            if segment == "." { continue }
            if segment == ".." { if !segments.isEmpty { segments.removeLast() }; continue }
            segments.append(segment)
        }
        let trailing = path.hasSuffix("/") && !segments.isEmpty
        return "/" + segments.map { encode(String($0)) }.joined(separator: "/") + (trailing ? "/" : "")
    }

    /// RFC 3986 percent-encoding: everything but `A–Z a–z 0–9 - _ . ~`, as UTF-8 bytes in upper-case hex.
    static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// Leading and trailing white space removed, inner runs of spaces as one.
    static func trimmed(_ value: String) -> String {
        value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ").trimmingCharacters(in: .whitespaces)
    }
}
