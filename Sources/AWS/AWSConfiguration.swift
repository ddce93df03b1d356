import Foundation

/// The AWS services the shop uses.
public enum AWSService: String, Sendable, CaseIterable {
    case dynamodb, sqs, sns

    /// The service name in a SigV4 scope and an endpoint host (`dynamodb.us-east-1.amazonaws.com`).
    public var signingName: String { rawValue }

    /// The per-service override AWS SDKs read: `AWS_ENDPOINT_URL_DYNAMODB`, `…_SQS`, `…_SNS`.
    public var endpointVariable: String { "AWS_ENDPOINT_URL_\(rawValue.uppercased())" }
}

/// Region, credentials and endpoints, read from the environment the way AWS SDKs read them:
/// `AWS_REGION` (or `AWS_DEFAULT_REGION`), `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`,
/// `AWS_ENDPOINT_URL` for every service and `AWS_ENDPOINT_URL_<SERVICE>` for one. Without an endpoint
/// override a service is reached at `https://<service>.<region>.amazonaws.com`.
public struct AWSConfiguration: Sendable, Equatable {
    public var region: String
    public var credentials: AWSCredentials
    public var endpoints: [AWSService: URL]

    public init(region: String, credentials: AWSCredentials, endpoints: [AWSService: URL] = [:]) {
        self.region = region
        self.credentials = credentials
        self.endpoints = endpoints
    }

    /// The endpoint requests for `service` go to.
    public func endpoint(_ service: AWSService) -> URL {
        endpoints[service] ?? URL(string: "https://\(service.signingName).\(region).amazonaws.com")!
    }

    /// The configuration in `environment`, or an error naming every variable that is missing or wrong.
    public static func fromEnvironment(_ environment: [String: String]) throws(AWSConfigurationError) -> AWSConfiguration {
        var problems: [String] = []
        let region = nonEmpty(environment["AWS_REGION"]) ?? nonEmpty(environment["AWS_DEFAULT_REGION"])
        if region == nil { problems.append("AWS_REGION is not set") }
        let key = nonEmpty(environment["AWS_ACCESS_KEY_ID"]), secret = nonEmpty(environment["AWS_SECRET_ACCESS_KEY"])
        if key == nil { problems.append("AWS_ACCESS_KEY_ID is not set") }
        if secret == nil { problems.append("AWS_SECRET_ACCESS_KEY is not set") }
        var endpoints: [AWSService: URL] = [:]
        for service in AWSService.allCases {
            let variable = nonEmpty(environment[service.endpointVariable]) != nil ? service.endpointVariable : "AWS_ENDPOINT_URL"
            guard let text = nonEmpty(environment[variable]) else { continue }
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http", url.host != nil else {
                problems.append("\(variable)=\(text) is not an http(s) URL")
                continue
            }
            endpoints[service] = url
        }
        guard problems.isEmpty, let region, let key, let secret else { throw AWSConfigurationError(problems: problems) }
        return AWSConfiguration(region: region, credentials: AWSCredentials(accessKeyID: key, secretAccessKey: secret,
                                                                          sessionToken: nonEmpty(environment["AWS_SESSION_TOKEN"])),
                                endpoints: endpoints)
    }

    private static func nonEmpty(_ text: String?) -> String? {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        return text
    }
}

/// Why the environment does not configure AWS: every problem found, in one message.
public struct AWSConfigurationError: Error, Equatable, CustomStringConvertible {
    public var problems: [String]
    public var description: String { "AWS is not configured: " + problems.joined(separator: "; ") }
}
