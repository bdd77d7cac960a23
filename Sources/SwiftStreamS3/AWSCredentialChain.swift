import Logging
import SwiftStream
import SwiftStreamHTTP
import SwiftStreamSystem

/// Resolves AWS credentials in Litestream v0.3.13's order (cli-and-config.md §6.1) and caches them.
///
/// 1. static keys from the configuration (replica, then top-level), when either is non-empty;
/// 2. `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`; aliases
///    `AWS_ACCESS_KEY`/`AWS_SECRET_KEY`), each filled from `LITESTREAM_ACCESS_KEY_ID` /
///    `LITESTREAM_SECRET_ACCESS_KEY` when unset;
/// 3. the shared credentials file (`AWS_SHARED_CREDENTIALS_FILE` or `~/.aws/credentials`,
///    profile `AWS_PROFILE` or `default`);
/// 4. web identity: `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN` through STS
///    `AssumeRoleWithWebIdentity` (endpoint `AWS_ENDPOINT_URL_STS`, default the global STS);
/// 5. ECS container credentials (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` against
///    169.254.170.2, or `AWS_CONTAINER_CREDENTIALS_FULL_URI`, with `AWS_CONTAINER_AUTHORIZATION_TOKEN`);
/// 6. EC2 instance metadata (IMDSv2; `AWS_EC2_METADATA_SERVICE_ENDPOINT`, off with
///    `AWS_EC2_METADATA_DISABLED=true`), with short timeouts.
///
/// Requests to the ECS and EC2 metadata services (5, 6) never go through a proxy.
///
/// A source that is not configured is skipped; one that is configured but fails stops the chain
/// with its error. Temporary credentials are refreshed `refreshWindow` before they expire.
public actor AWSCredentialChain {
    /// Which source produced the current credentials (for logs and tests).
    public enum Source: String, Sendable {
        case configuration, environment, sharedFile, webIdentity, container, instanceMetadata
    }

    private let staticCredentials: AWSCredentials?
    private let environment: [String: String]
    private let http: HTTPClient
    private let metadataHTTP: HTTPClient
    private let logger: Logger
    /// How long before expiry temporary credentials are renewed. Default 5 minutes.
    public let refreshWindowNanoseconds: Int64
    /// The clock expiry is judged by (the system clock; tests inject their own).
    private let now: @Sendable () -> Timestamp
    private var cached: (credentials: AWSCredentials, source: Source)?

    public init(
        accessKeyID: String, secretAccessKey: String, environment: [String: String], http: HTTPClient,
        logger: Logger, refreshWindowSeconds: Int64 = 300, now: @escaping @Sendable () -> Timestamp = Timestamp.now
    ) {
        staticCredentials =
            accessKeyID.isEmpty && secretAccessKey.isEmpty
            ? nil : AWSCredentials(accessKeyID: accessKeyID, secretAccessKey: secretAccessKey)
        self.environment = environment
        self.http = http
        var metadata = HTTPClient.Configuration(environment: environment)
        metadata.connectTimeoutMilliseconds = 1_000
        metadata.timeoutMilliseconds = 5_000
        // A proxy from the environment must not see credential requests, nor the keys returned.
        metadata.usesProxies = false
        metadataHTTP = HTTPClient(configuration: metadata)
        self.logger = logger
        refreshWindowNanoseconds = refreshWindowSeconds * 1_000_000_000
        self.now = now
    }

    /// Current credentials, resolving or refreshing them when needed.
    public func credentials() async throws -> AWSCredentials {
        if let cached, !needsRefresh(cached.credentials) { return cached.credentials }
        do {
            let fresh = try await resolve()
            cached = fresh
            logger.debug(
                "aws credentials resolved",
                metadata: [
                    "source": "\(fresh.source.rawValue)",
                    "expires": "\(fresh.credentials.expiration?.rfc3339 ?? "never")",
                ])
            return fresh.credentials
        } catch {
            // Keep using credentials that have not expired yet if a refresh fails.
            if let cached, let expiry = cached.credentials.expiration, now() < expiry {
                logger.warning("cannot refresh aws credentials", metadata: ["error": "\(error)"])
                return cached.credentials
            }
            throw error
        }
    }

    /// The source of the cached credentials, if any were resolved.
    public var currentSource: Source? { cached?.source }

    /// Drops cached credentials that can change (after the server said they expired): temporary
    /// ones, and those of the shared credentials file, which tools such as `aws sso` rewrite. The
    /// next call resolves them again.
    public func invalidate() {
        guard let current = cached else { return }
        if current.credentials.expiration != nil || current.source == .sharedFile { cached = nil }
    }

    private func needsRefresh(_ c: AWSCredentials) -> Bool {
        guard let expiry = c.expiration else { return false }
        return now().nanoseconds >= expiry.nanoseconds - refreshWindowNanoseconds
    }

    private func env(_ name: String) -> String? {
        guard let v = environment[name], !v.isEmpty else { return nil }
        return v
    }

    private func resolve() async throws -> (credentials: AWSCredentials, source: Source) {
        if let staticCredentials { return (staticCredentials, .configuration) }
        if let c = fromEnvironment() { return (c, .environment) }
        if let c = try fromSharedFile() { return (c, .sharedFile) }
        if let c = try await fromWebIdentity() { return (c, .webIdentity) }
        if let c = try await fromContainer() { return (c, .container) }
        if env("AWS_EC2_METADATA_DISABLED")?.lowercased() != "true" {
            do {
                return (try await fromInstanceMetadata(), .instanceMetadata)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                throw SwiftStreamError(
                    .invalidConfiguration,
                    "no AWS credentials found: set access-key-id/secret-access-key, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
                        + "a shared credentials file, or a role (EC2 instance metadata: \(error))")
            }
        }
        throw SwiftStreamError(
            .invalidConfiguration,
            "no AWS credentials found: set access-key-id/secret-access-key, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
                + "a shared credentials file, or a role")
    }

    private func fromEnvironment() -> AWSCredentials? {
        let id = env("AWS_ACCESS_KEY_ID") ?? env("AWS_ACCESS_KEY") ?? env("LITESTREAM_ACCESS_KEY_ID")
        let secret = env("AWS_SECRET_ACCESS_KEY") ?? env("AWS_SECRET_KEY") ?? env("LITESTREAM_SECRET_ACCESS_KEY")
        guard let id, let secret else { return nil }
        return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: env("AWS_SESSION_TOKEN"))
    }

    private func fromSharedFile() throws -> AWSCredentials? {
        let path =
            env("AWS_SHARED_CREDENTIALS_FILE")
            ?? ((env("HOME") ?? Path.homeDirectory()) + "/.aws/credentials")
        guard let bytes = try? FileIO.readAll(path) else { return nil }
        let profile = env("AWS_PROFILE") ?? "default"
        guard let section = SharedCredentialsFile.parse(String(decoding: bytes, as: UTF8.self))[profile] else {
            return nil
        }
        guard let id = section["aws_access_key_id"], !id.isEmpty, let secret = section["aws_secret_access_key"],
            !secret.isEmpty
        else {
            throw SwiftStreamError(
                .invalidConfiguration,
                "shared credentials file \(path): profile \(profile) lacks aws_access_key_id or aws_secret_access_key")
        }
        let token = section["aws_session_token"].flatMap { $0.isEmpty ? nil : $0 }
        return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: token)
    }

    private func fromWebIdentity() async throws -> AWSCredentials? {
        guard let tokenFile = env("AWS_WEB_IDENTITY_TOKEN_FILE") else { return nil }
        guard let roleARN = env("AWS_ROLE_ARN") else {
            throw SwiftStreamError(.invalidConfiguration, "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not")
        }
        let token: String
        do {
            token = String(decoding: try FileIO.readAll(tokenFile), as: UTF8.self).trimmingCharacters()
        } catch {
            throw SwiftStreamError.wrap("cannot read web identity token", error)
        }
        let sessionName = env("AWS_ROLE_SESSION_NAME") ?? "swiftstream-\(Timestamp.now().seconds)"
        let endpoint = env("AWS_ENDPOINT_URL_STS") ?? "https://sts.amazonaws.com"
        let form = [
            ("Action", "AssumeRoleWithWebIdentity"), ("Version", "2011-06-15"), ("RoleArn", roleARN),
            ("RoleSessionName", sessionName), ("WebIdentityToken", token),
        ].map { "\(SigV4Signer.uriEncode($0.0, encodeSlash: true))=\(SigV4Signer.uriEncode($0.1, encodeSlash: true))" }
            .joined(separator: "&")
        // AssumeRoleWithWebIdentity is not signed: the token is the proof of identity.
        let request = HTTPRequest(
            method: "POST", url: endpoint.hasSuffix("/") ? endpoint : endpoint + "/",
            headers: [HTTPHeader("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
            body: .bytes(Array(form.utf8)))
        let response = try await http.execute(request)
        guard response.status == 200 else {
            let error = S3ErrorResponse(body: response.body)
            throw SwiftStreamError(
                .invalidConfiguration,
                "cannot assume role \(roleARN) with web identity: \(response.status) \(error?.code ?? "") \(error?.message ?? "")"
                    .trimmingCharacters())
        }
        guard let root = try? XMLElement.parse(response.body), let c = root.first("Credentials"),
            let id = c.value("AccessKeyId"), let secret = c.value("SecretAccessKey")
        else {
            throw SwiftStreamError(.io, "cannot assume role \(roleARN) with web identity: unexpected STS response")
        }
        return AWSCredentials(
            accessKeyID: id, secretAccessKey: secret, sessionToken: c.value("SessionToken"),
            expiration: c.value("Expiration").flatMap(Timestamp.parseRFC3339))
    }

    private func fromContainer() async throws -> AWSCredentials? {
        let url: String
        if let relative = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
            url = "http://169.254.170.2" + (relative.hasPrefix("/") ? relative : "/" + relative)
        } else if let full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
            url = full
        } else {
            return nil
        }
        var headers: [HTTPHeader] = []
        if let token = env("AWS_CONTAINER_AUTHORIZATION_TOKEN") {
            headers.append(HTTPHeader("Authorization", token))
        } else if let file = env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"), let bytes = try? FileIO.readAll(file) {
            headers.append(HTTPHeader("Authorization", String(decoding: bytes, as: UTF8.self).trimmingCharacters()))
        }
        let response: HTTPResponse
        do {
            response = try await metadataHTTP.execute(HTTPRequest(method: "GET", url: url, headers: headers))
        } catch let error as HTTPError {
            throw SwiftStreamError(.io, "cannot get container credentials: \(error)")
        }
        guard response.status == 200 else {
            throw SwiftStreamError(.io, "cannot get container credentials: HTTP \(response.status)")
        }
        return try parseCredentialDocument(response.body, what: "container credentials")
    }

    private func fromInstanceMetadata() async throws -> AWSCredentials {
        var base = env("AWS_EC2_METADATA_SERVICE_ENDPOINT") ?? "http://169.254.169.254"
        while base.hasSuffix("/") { base.removeLast() }
        let tokenResponse = try await metadataHTTP.execute(
            HTTPRequest(
                method: "PUT", url: base + "/latest/api/token",
                headers: [HTTPHeader("X-aws-ec2-metadata-token-ttl-seconds", "21600")]))
        guard tokenResponse.status == 200 else {
            throw SwiftStreamError(.io, "IMDSv2 token: HTTP \(tokenResponse.status)")
        }
        let auth = [HTTPHeader("X-aws-ec2-metadata-token", String(decoding: tokenResponse.body, as: UTF8.self))]
        let prefix = base + "/latest/meta-data/iam/security-credentials/"
        let roles = try await metadataHTTP.execute(HTTPRequest(method: "GET", url: prefix, headers: auth))
        guard roles.status == 200,
            let role = String(decoding: roles.body, as: UTF8.self).split(separator: "\n").first.map({
                $0.trimmingCharacters()
            }),
            !role.isEmpty
        else { throw SwiftStreamError(.io, "no IAM role attached to this instance (HTTP \(roles.status))") }
        let document = try await metadataHTTP.execute(
            HTTPRequest(method: "GET", url: prefix + SigV4Signer.uriEncode(role, encodeSlash: true), headers: auth))
        guard document.status == 200 else {
            throw SwiftStreamError(.io, "instance role credentials: HTTP \(document.status)")
        }
        return try parseCredentialDocument(document.body, what: "instance metadata credentials")
    }

    /// `{"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}` (ECS and EC2 share the shape).
    private func parseCredentialDocument(_ body: [UInt8], what: String) throws -> AWSCredentials {
        guard let members = FlatJSON.stringMembers(body), let id = members["AccessKeyId"],
            let secret = members["SecretAccessKey"]
        else { throw SwiftStreamError(.io, "cannot parse \(what)") }
        if let code = members["Code"], code != "Success" { throw SwiftStreamError(.io, "\(what): \(code)") }
        return AWSCredentials(
            accessKeyID: id, secretAccessKey: secret, sessionToken: members["Token"].flatMap { $0.isEmpty ? nil : $0 },
            expiration: members["Expiration"].flatMap(Timestamp.parseRFC3339))
    }
}
