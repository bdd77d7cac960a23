import Logging
import SwiftStream
import SwiftStreamHTTP

/// A replica in an S3 bucket or an S3-compatible store (Litestream's `s3` replica type).
///
/// Keys follow Litestream v0.3.13 (`<path>/generations/<id>/snapshots/…`, see `S3Keys`). Listing
/// uses `ListObjectsV2` (paged internally); timestamps are the objects' `LastModified`. Uploads
/// are one `PutObject` below `partSize` and a multipart upload above it. Deletes use
/// `DeleteObjects` in batches of 1000 (quiet mode). Writes never list.
///
/// Region discovery and the credential chain run lazily on first use. Requests are retried with
/// backoff on transient failures (`S3RetryPolicy`). Safe to call concurrently.
public struct S3ReplicaClient: ReplicaClient {
    /// Where the replica is and how to reach it; the CLI fills it from the config file or a URL.
    public struct Configuration: Sendable {
        public var bucket: String
        /// Key prefix, used as given (see `S3Keys` for the leading-`/` quirk). Default "".
        public var path: String
        /// Signing region. nil or empty: us-east-1 when `endpoint` is set, else looked up with
        /// `GetBucketLocation`.
        public var region: String?
        /// Custom endpoint (`http(s)://host[:port]`; `https://` assumed without a scheme). nil: AWS.
        public var endpoint: String?
        /// Address buckets as `endpoint/bucket/key` instead of `bucket.endpoint/key`.
        public var forcePathStyle: Bool
        /// Disables TLS certificate verification (`skip-verify`).
        public var skipVerify: Bool
        /// Static keys (replica, else top-level `access-key-id`/`secret-access-key`). When either
        /// is non-empty both are used as given; when both are empty the AWS default chain runs.
        public var accessKeyID: String
        public var secretAccessKey: String

        /// Multipart part size and the single-PUT threshold. Default 5 MiB (S3's minimum part).
        public var partSize: Int = 5 << 20
        /// `max-keys` per `ListObjectsV2` page. Default 1000 (S3's maximum).
        public var listPageSize: Int = 1000
        public var retry = S3RetryPolicy()
        /// Environment for the credential chain and TLS settings. Default: the process environment.
        public var environment: [String: String]
        /// Timeouts and TLS options for the HTTP client (`skipVerify` above overrides its own).
        public var http: HTTPClient.Configuration
        /// Directory for spooling snapshot uploads and downloads. Default `$TMPDIR` or `/tmp`.
        public var temporaryDirectory: String?

        public init(
            bucket: String, path: String = "", region: String? = nil, endpoint: String? = nil,
            forcePathStyle: Bool = false, skipVerify: Bool = false, accessKeyID: String = "",
            secretAccessKey: String = "", environment: [String: String] = ProcessEnvironment.current
        ) {
            self.bucket = bucket
            self.path = path
            self.region = region
            self.endpoint = endpoint
            self.forcePathStyle = forcePathStyle
            self.skipVerify = skipVerify
            self.accessKeyID = accessKeyID
            self.secretAccessKey = secretAccessKey
            self.environment = environment
            self.http = HTTPClient.Configuration(environment: environment)
        }
    }

    public let configuration: Configuration
    public let keys: S3Keys
    private let connection: S3Connection
    private let logger: Logger

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        keys = S3Keys(root: configuration.path)
        var httpConfiguration = configuration.http
        httpConfiguration.skipVerify = httpConfiguration.skipVerify || configuration.skipVerify
        let http = HTTPClient(configuration: httpConfiguration)
        let chain = AWSCredentialChain(
            accessKeyID: configuration.accessKeyID, secretAccessKey: configuration.secretAccessKey,
            environment: configuration.environment, http: http, logger: logger)
        let trimmed = configuration.path.drop { $0 == "/" }
        let location = "s3://\(configuration.bucket)" + (trimmed.isEmpty ? "" : "/\(trimmed)")
        connection = S3Connection(
            bucket: configuration.bucket, endpoint: configuration.endpoint ?? "",
            forcePathStyle: configuration.forcePathStyle, region: configuration.region ?? "",
            retry: configuration.retry, http: http, credentials: chain, location: location, logger: logger)
    }

    public var type: String { "s3" }
    public var location: String { connection.location }

    /// The credential chain (exposed so callers can resolve credentials up front or inspect the source).
    public var credentials: AWSCredentialChain { connection.credentials }

    /// The signing region, discovering it if needed.
    public func region() async throws -> String { try await connection.region() }

    // MARK: Listing

    /// Every object and common prefix under `prefix`, following continuation tokens.
    public func list(prefix: String, delimiter: String?) async throws -> S3ListPage {
        var all = S3ListPage()
        var token: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", prefix), ("max-keys", String(configuration.listPageSize))]
            if let delimiter { query.append(("delimiter", delimiter)) }
            if let token { query.append(("continuation-token", token)) }
            let call = S3Call(operation: "ListObjectsV2", method: "GET", key: nil, query: query)
            let response = try await connection.perform(call)
            let page: S3ListPage
            do {
                page = try S3ListPage(body: response.body)
            } catch {
                throw SwiftStreamError(.io, "\(location): cannot parse ListObjectsV2 response: \(error)")
            }
            all.objects += page.objects
            all.commonPrefixes += page.commonPrefixes
            token = page.isTruncated ? page.nextContinuationToken : nil
            if page.isTruncated && token == nil {
                throw SwiftStreamError(.io, "\(location): truncated listing without a continuation token")
            }
        } while token != nil
        return all
    }

    private static func timestamp(_ object: S3ListPage.Object) -> Timestamp {
        Timestamp.parseRFC3339(object.lastModified) ?? .zero
    }

    public func generations() async throws -> [Generation] {
        let page = try await list(prefix: keys.generationsPrefix, delimiter: "/")
        return page.commonPrefixes.compactMap { Generation(S3Keys.base($0)) }.sorted()
    }

    public func snapshots(in generation: Generation) async throws -> [SnapshotInfo] {
        let page = try await list(prefix: keys.snapshotsPrefix(generation), delimiter: "/")
        return page.objects.compactMap { object in
            ReplicaPaths.parseSnapshotName(S3Keys.base(object.key)).map {
                SnapshotInfo(
                    generation: generation, index: $0, size: object.size, createdAt: S3ReplicaClient.timestamp(object))
            }
        }.sorted { $0.index < $1.index }
    }

    public func walSegments(in generation: Generation) async throws -> [WALSegmentInfo] {
        let page = try await list(prefix: keys.walPrefix(generation), delimiter: "/")
        return page.objects.compactMap { object in
            ReplicaPaths.parseWALSegmentName(S3Keys.base(object.key)).map {
                WALSegmentInfo(
                    generation: generation, index: $0.index, offset: $0.offset, size: object.size,
                    createdAt: S3ReplicaClient.timestamp(object))
            }
        }.sorted { ($0.index, $0.offset) < ($1.index, $1.offset) }
    }

    // MARK: Writing

    public func writeSnapshot(
        _ generation: Generation, index: Int,
        produce: (_ sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Void
    ) async throws -> SnapshotInfo {
        let started = Timestamp.now()
        let spool = try SpoolFile(directory: temporaryDirectory)
        defer { spool.remove() }
        try produce { try spool.append($0) }
        let (size, hash) = try spool.finish()
        let key = keys.snapshot(generation, index: index)
        try await upload(key: key, source: .file(path: spool.path, size: size, sha256: hash))
        return SnapshotInfo(generation: generation, index: index, size: size, createdAt: started)
    }

    public func writeWALSegment(at position: WALPosition, compressed: [UInt8]) async throws -> WALSegmentInfo {
        let started = Timestamp.now()
        try await upload(key: keys.walSegment(position), source: .bytes(compressed))
        return WALSegmentInfo(
            generation: position.generation, index: position.index, offset: position.offset,
            size: Int64(compressed.count), createdAt: started)
    }

    private var temporaryDirectory: String {
        configuration.temporaryDirectory ?? configuration.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "/tmp"
    }

    enum UploadSource {
        case bytes([UInt8])
        case file(path: String, size: Int64, sha256: String)

        var size: Int64 {
            switch self {
            case .bytes(let b): Int64(b.count)
            case .file(_, let size, _): size
            }
        }

        /// Body and payload hash of `[offset, offset+length)`.
        func part(offset: Int64, length: Int64) throws -> (HTTPRequest.Body, String) {
            switch self {
            case .bytes(let b):
                let slice = Array(b[Int(offset)..<Int(offset + length)])
                return (.bytes(slice), Digest.hex(try Digest.sha256(slice)))
            case .file(let path, let size, let sha):
                if offset == 0 && length == size { return (.file(path: path, offset: 0, length: size), sha) }
                return (.file(path: path, offset: offset, length: length), try SpoolFile.sha256(path, offset, length))
            }
        }
    }

    /// One PUT below `partSize`, else a multipart upload (aborted if any step fails).
    func upload(key: String, source: UploadSource) async throws {
        let partSize = Int64(max(configuration.partSize, 1))
        if source.size < partSize {
            let (body, hash) = try source.part(offset: 0, length: source.size)
            _ = try await connection.perform(
                S3Call(operation: "PutObject", method: "PUT", key: key, body: body, payloadHash: hash))
            return
        }
        let created = try await connection.perform(
            S3Call(operation: "CreateMultipartUpload", method: "POST", key: key, query: [("uploads", "")]))
        guard let uploadID = (try? XMLElement.parse(created.body))?.value("UploadId"), !uploadID.isEmpty else {
            throw SwiftStreamError(.io, "\(location): CreateMultipartUpload \(key): response has no UploadId")
        }
        do {
            var etags: [(Int, String)] = []
            var offset: Int64 = 0
            var number = 1
            while offset < source.size {
                let length = min(partSize, source.size - offset)
                let (body, hash) = try source.part(offset: offset, length: length)
                let response = try await connection.perform(
                    S3Call(
                        operation: "UploadPart", method: "PUT", key: key,
                        query: [("partNumber", String(number)), ("uploadId", uploadID)], body: body, payloadHash: hash))
                guard let etag = response.header("ETag") else {
                    throw SwiftStreamError(.io, "\(location): UploadPart \(key): response has no ETag")
                }
                etags.append((number, etag))
                offset += length
                number += 1
            }
            let xml =
                "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                + etags.map { "<Part><PartNumber>\($0.0)</PartNumber><ETag>\(xmlEscape($0.1))</ETag></Part>" }.joined()
                + "</CompleteMultipartUpload>"
            let body = Array(xml.utf8)
            let complete = S3Call(
                operation: "CompleteMultipartUpload", method: "POST", key: key, query: [("uploadId", uploadID)],
                headers: [HTTPHeader("content-type", "application/xml")], body: .bytes(body),
                payloadHash: Digest.hex(try Digest.sha256(body)))
            let response = try await connection.perform(complete)
            // CompleteMultipartUpload can fail after a 200 status, with an <Error> body.
            if S3ErrorResponse(body: response.body) != nil {
                throw connection.failure(HTTPResponse(status: 500, headers: [], body: response.body), complete)
            }
        } catch {
            do {
                _ = try await connection.perform(
                    S3Call(
                        operation: "AbortMultipartUpload", method: "DELETE", key: key, query: [("uploadId", uploadID)]))
            } catch let abortError {
                logger.warning(
                    "cannot abort multipart upload",
                    metadata: ["key": "\(key)", "error": "\(abortError)"])
            }
            throw error
        }
    }

    // MARK: Reading

    public func readSnapshot(
        _ generation: Generation, index: Int, chunk: (UnsafeRawBufferPointer) throws -> Void
    ) async throws {
        // Spooled to a file first, so a download that breaks halfway can be retried from scratch
        // without handing `chunk` the same bytes twice.
        let spool = try SpoolFile(directory: temporaryDirectory)
        defer { spool.remove() }
        spool.closeForWriting()
        let key = keys.snapshot(generation, index: index)
        _ = try await download(key: key, destination: .file(path: spool.path), what: "snapshot")
        try SpoolFile.stream(spool.path, chunk)
    }

    public func walSegment(at position: WALPosition) async throws -> [UInt8] {
        try await download(
            key: keys.walSegment(position), destination: .memory(limit: Int(Int32.max)), what: "wal segment"
        )
        .body
    }

    private func download(key: String, destination: HTTPResponseDestination, what: String) async throws -> HTTPResponse
    {
        let call = S3Call(operation: "GetObject", method: "GET", key: key, destination: destination)
        do {
            return try await connection.perform(call)
        } catch let error as SwiftStreamError where error.code == .notFound {
            throw SwiftStreamError(.notFound, "\(what) not found: \(location) key \(key)")
        }
    }

    // MARK: Deleting

    public func deleteGeneration(_ generation: Generation) async throws {
        let page = try await list(prefix: keys.generationPrefix(generation), delimiter: nil)
        try await deleteObjects(page.objects.map(\.key))
        logger.debug(
            "generation deleted", metadata: ["generation": "\(generation)", "objects": "\(page.objects.count)"])
    }

    public func deleteSnapshot(_ generation: Generation, index: Int) async throws {
        try await deleteObjects([keys.snapshot(generation, index: index)])
    }

    public func deleteWALSegments(_ positions: [WALPosition]) async throws {
        try await deleteObjects(positions.map(keys.walSegment))
    }

    /// `DeleteObjects` in batches of 1000 keys, quiet mode; missing keys count as deleted.
    public func deleteObjects(_ keys: [String]) async throws {
        var start = 0
        while start < keys.count {
            let batch = keys[start..<min(start + 1000, keys.count)]
            start += batch.count
            let xml =
                "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>true</Quiet>"
                + batch.map { "<Object><Key>\(xmlEscape($0))</Key></Object>" }.joined() + "</Delete>"
            let body = Array(xml.utf8)
            let call = S3Call(
                operation: "DeleteObjects", method: "POST", key: nil, query: [("delete", "")],
                headers: [
                    HTTPHeader("content-md5", Digest.base64(try Digest.md5(body))),
                    HTTPHeader("content-type", "application/xml"),
                ],
                body: .bytes(body), payloadHash: Digest.hex(try Digest.sha256(body)))
            let response = try await connection.perform(call)
            if let root = try? XMLElement.parse(response.body) {
                let errors = root.children("Error")
                if let first = errors.first {
                    let code = first.value("Code") ?? "Error"
                    var message =
                        "\(location): DeleteObjects failed for \(errors.count) key(s), first \(first.value("Key") ?? "?"): \(code)"
                    if let hint = S3ErrorResponse.hint(for: code) { message += "; \(hint)" }
                    throw SwiftStreamError(.io, message)
                }
            }
        }
    }
}
