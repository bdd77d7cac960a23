#if canImport(Glibc)
    import Glibc
#endif
import Logging
import SwiftStream
import SwiftStreamHTTP
import SwiftStreamSystem
import Synchronization

/// Addressing, signing, credentials, region discovery and retries shared by every call of one
/// `S3ReplicaClient`. Immutable apart from the region cache (a `Mutex`), so `Sendable`.
final class S3Connection: Sendable {
    let bucket: String
    let endpoint: String
    let forcePathStyle: Bool
    let configuredRegion: String
    let retry: S3RetryPolicy
    let http: HTTPClient
    let credentials: AWSCredentialChain
    let location: String
    let logger: Logger
    /// Tests only: stands in for `https://s3[.region].amazonaws.com` (the region stays in signatures).
    let awsEndpointOverride: String?
    private let discoveredRegion = Mutex<String?>(nil)

    init(
        bucket: String, endpoint: String, forcePathStyle: Bool, region: String, retry: S3RetryPolicy,
        http: HTTPClient, credentials: AWSCredentialChain, location: String, logger: Logger,
        awsEndpointOverride: String? = nil
    ) {
        self.awsEndpointOverride = awsEndpointOverride
        self.bucket = bucket
        self.endpoint = endpoint
        self.forcePathStyle = forcePathStyle
        self.configuredRegion = region
        self.retry = retry
        self.http = http
        self.credentials = credentials
        self.location = location
        self.logger = logger
    }

    /// The signing region: configured, else us-east-1 with a custom endpoint, else the bucket's
    /// region from `GetBucketLocation` sent to us-east-1 (empty answer → us-east-1).
    func region() async throws -> String {
        if !configuredRegion.isEmpty { return configuredRegion }
        if !endpoint.isEmpty { return "us-east-1" }
        if let known = discoveredRegion.withLock({ $0 }) { return known }
        let call = S3Call(operation: "GetBucketLocation", method: "GET", key: nil, query: [("location", "")])
        let response: HTTPResponse
        do {
            response = try await perform(call, region: "us-east-1")
        } catch {
            throw SwiftStreamError.wrap("cannot lookup bucket region", error)
        }
        let text = (try? XMLElement.parse(response.body))?.text.trimmingCharacters() ?? ""
        // Legacy answers: "" is us-east-1, "EU" is eu-west-1.
        let region = text.isEmpty ? "us-east-1" : (text == "EU" ? "eu-west-1" : text)
        discoveredRegion.withLock { $0 = region }
        logger.debug("s3 bucket region discovered", metadata: ["bucket": "\(bucket)", "region": "\(region)"])
        return region
    }

    /// Whether the bucket can be a DNS label for virtual-hosted addressing (over TLS a dot breaks
    /// the wildcard certificate, so dotted names use path style too).
    static func isVirtualHostCompatible(_ bucket: String, tls: Bool) -> Bool {
        guard (3...63).contains(bucket.utf8.count) else { return false }
        if tls && bucket.contains(".") { return false }
        let allowed = bucket.utf8.allSatisfy {
            ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 || $0 == 46
        }
        guard allowed, let first = bucket.utf8.first, let last = bucket.utf8.last else { return false }
        return first != 45 && last != 45 && first != 46 && last != 46 && !bucket.contains("..")
    }

    /// URL and canonical path of a call in `region`.
    func address(key: String?, query: [(String, String)], region: String) -> (url: String, canonicalPath: String) {
        var base: String
        if endpoint.isEmpty, let awsEndpointOverride {
            base = awsEndpointOverride
        } else if endpoint.isEmpty {
            base = region == "us-east-1" ? "https://s3.amazonaws.com" : "https://s3.\(region).amazonaws.com"
        } else {
            base = endpoint.contains("://") ? endpoint : "https://" + endpoint
        }
        while base.hasSuffix("/") { base.removeLast() }
        let parts = URLParts(base)
        let tls = parts?.scheme != "http"
        let pathStyle = forcePathStyle || !S3Connection.isVirtualHostCompatible(bucket, tls: tls)
        let encodedKey = key.map { SigV4Signer.uriEncode($0, encodeSlash: false) }
        var path: String
        var origin: String
        if pathStyle {
            origin = base
            path = "/" + SigV4Signer.uriEncode(bucket, encodeSlash: true)
            if let encodedKey { path += "/" + encodedKey }
        } else {
            let p = parts ?? URLParts("https://s3.amazonaws.com")
            origin = "\(p?.scheme ?? "https")://\(bucket).\(p?.hostAndPort ?? "s3.amazonaws.com")"
            path = "/" + (encodedKey ?? "")
        }
        // An endpoint may carry a path prefix (some gateways); it is part of what is signed.
        if let prefix = parts?.path, prefix != "/", pathStyle {
            origin = String(base.dropLast(prefix.count))
            path = prefix + path
        }
        let queryString = query.map {
            let k = SigV4Signer.uriEncode($0.0, encodeSlash: true)
            return $0.1.isEmpty ? k : "\(k)=\(SigV4Signer.uriEncode($0.1, encodeSlash: true))"
        }.joined(separator: "&")
        return (origin + path + (queryString.isEmpty ? "" : "?" + queryString), path)
    }

    /// Signs and sends `call`, retrying transient failures. Returns the final response whatever
    /// its status; throws for transport failures that outlast the retries and cancellation.
    /// With `cancellable` false, cancelling the task neither stops the request nor its retries.
    func send(_ call: S3Call, region knownRegion: String? = nil, cancellable: Bool = true) async throws
        -> HTTPResponse
    {
        try await sendCountingAttempts(call, region: knownRegion, cancellable: cancellable).response
    }

    /// `send`, and how many attempts the answer took.
    private func sendCountingAttempts(_ call: S3Call, region knownRegion: String?, cancellable: Bool) async throws
        -> (response: HTTPResponse, attempts: Int)
    {
        let region: String
        if let knownRegion { region = knownRegion } else { region = try await self.region() }
        let (url, canonicalPath) = address(key: call.key, query: call.query, region: region)
        let signer = SigV4Signer(service: "s3", region: region)
        var attempt = 0
        while true {
            attempt += 1
            let creds = try await credentials.credentials()
            var headers = call.headers
            headers.append(HTTPHeader("host", URLParts(url)?.hostAndPort ?? ""))
            headers.append(HTTPHeader("x-amz-content-sha256", call.payloadHash))
            let signature = try signer.sign(
                method: call.method, canonicalPath: canonicalPath, query: call.query, headers: headers,
                payloadHash: call.payloadHash, credentials: creds, date: Timestamp.now())
            // curl sends Host itself, from the URL; the signed value above is the same.
            let sent = headers.filter { $0.name != "host" } + signature.headers
            let request = HTTPRequest(method: call.method, url: url, headers: sent, body: call.body)
            var failure: String
            do {
                let response = try await http.execute(
                    request, destination: call.destination, cancellable: cancellable)
                let error = response.status >= 300 ? S3ErrorResponse(body: response.body) : nil
                if let error, ["ExpiredToken", "TokenRefreshRequired"].contains(error.code) {
                    await credentials.invalidate()
                    failure = "\(response.status) \(error.code)"
                } else if S3Connection.isRetryable(status: response.status, code: error?.code) {
                    failure = "\(response.status) \(error?.code ?? "")".trimmingCharacters()
                } else {
                    return (response, attempt)
                }
                if attempt >= retry.maxAttempts { return (response, attempt) }
            } catch let error as HTTPError where error.isTransient {
                if attempt >= retry.maxAttempts { throw error }
                failure = error.message
            }
            let delay = retry.delayNanoseconds(beforeRetry: attempt)
            logger.debug(
                "s3 request retry",
                metadata: [
                    "operation": "\(call.operation)", "attempt": .stringConvertible(attempt), "error": "\(failure)",
                    "delay_ms": .stringConvertible(delay / 1_000_000),
                ])
            if cancellable {
                try await Task.sleep(nanoseconds: delay)
            } else {
                await S3Connection.sleepIgnoringCancellation(nanoseconds: delay)
            }
        }
    }

    /// Waits on a thread of its own: `Task.sleep` ends at once in a cancelled task.
    static func sleepIgnoringCancellation(nanoseconds: UInt64) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let started = DetachedThread.start {
                var time = timespec(
                    tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
                var rest = timespec()
                while nanosleep(&time, &rest) != 0 && errno == EINTR { time = rest }
                continuation.resume()
            }
            if !started { continuation.resume() }
        }
    }

    static func isRetryable(status: Int, code: String?) -> Bool {
        if status >= 500 || status == 429 { return true }
        if let code, ["SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable", "Throttling"].contains(code)
        {
            return true
        }
        return false
    }

    /// The error for a failed response, e.g.
    /// `s3://bkt/db: 403 AccessDenied on PutObject; check the credentials and the bucket policy`.
    func failure(_ response: HTTPResponse, _ call: S3Call) -> SwiftStreamError {
        let parsed = S3ErrorResponse(body: response.body)
        let code = parsed?.code ?? S3Connection.defaultCode(status: response.status)
        var message = "\(location): \(response.status) \(code) on \(call.operation)"
        if let key = call.key { message += " \(key)" }
        if let text = parsed?.message, !text.isEmpty { message += " (\(text))" }
        if let hint = S3ErrorResponse.hint(for: code) { message += "; \(hint)" }
        return SwiftStreamError(S3Connection.kind(status: response.status, code: code, key: call.key), message)
    }

    /// The kind of failure a refused request is: a missing key is `.notFound` (a missing bucket
    /// is not), refused credentials `.unauthorized`, slow-downs `.throttled`, 5xx `.server`.
    static func kind(status: Int, code: String, key: String?) -> SwiftStreamError.Code {
        if code == "NoSuchKey" || (status == 404 && key != nil && code != "NoSuchBucket") { return .notFound }
        if status == 401 || status == 403 { return .unauthorized }
        if status == 429 || code == "SlowDown" || code == "Throttling" { return .throttled }
        if status >= 500 { return .server }
        return .io
    }

    static func defaultCode(status: Int) -> String {
        switch status {
        case 301: "PermanentRedirect"
        case 400: "BadRequest"
        case 403: "AccessDenied"
        case 404: "NotFound"
        default: "HTTP\(status)"
        }
    }

    /// Sends `call` and throws `failure(...)` unless the status is 2xx.
    func perform(_ call: S3Call, region: String? = nil, cancellable: Bool = true) async throws -> HTTPResponse {
        try await performCountingAttempts(call, region: region, cancellable: cancellable).response
    }

    /// `perform`, and how many attempts the answer took (more than one: an earlier attempt may
    /// have reached the server, its answer lost).
    func performCountingAttempts(_ call: S3Call, region: String? = nil, cancellable: Bool = true) async throws
        -> (response: HTTPResponse, attempts: Int)
    {
        let sent: (response: HTTPResponse, attempts: Int)
        do {
            sent = try await sendCountingAttempts(call, region: region, cancellable: cancellable)
        } catch let error as HTTPError {
            throw SwiftStreamError(
                error.isTransient ? .network : .io,
                "\(location): \(call.operation)\(call.key.map { " " + $0 } ?? ""): \(error.message)", cause: error)
        }
        guard (200..<300).contains(sent.response.status) else { throw failure(sent.response, call) }
        return sent
    }
}
