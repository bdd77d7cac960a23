import Logging
import SwiftStream
import SwiftStreamHTTP
import SwiftStreamSystem

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
        var seenTokens: Set<String> = []
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
            // A server that hands out a token it already gave would make this loop endless.
            if let token, !seenTokens.insert(token).inserted {
                throw SwiftStreamError(
                    .io, "\(location): ListObjectsV2 returned the same continuation token twice; the listing cannot end"
                )
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
        let key = keys.snapshot(generation, index: index)
        let size = try await uploadWhileProducing(key: key, produce: produce)
        return SnapshotInfo(generation: generation, index: index, size: size, createdAt: started)
    }

    public func writeWALSegment(at position: WALPosition, compressed: [UInt8]) async throws -> WALSegmentInfo {
        let started = Timestamp.now()
        let partSize = max(configuration.partSize, 1)
        var offset = min(partSize, compressed.count)
        try await upload(key: keys.walSegment(position), first: Array(compressed[0..<offset])) {
            guard offset < compressed.count else { return nil }
            let end = min(offset + partSize, compressed.count)
            defer { offset = end }
            return Array(compressed[offset..<end])
        }
        return WALSegmentInfo(
            generation: position.generation, index: position.index, offset: position.offset,
            size: Int64(compressed.count), createdAt: started)
    }

    private var temporaryDirectory: String {
        configuration.temporaryDirectory ?? configuration.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "/tmp"
    }

    /// The size of part `number` (1-based) of a streamed upload: `partSize`, one more
    /// `partSize` every 1000 parts, so that a database of any size fits in S3's 10 000 parts
    /// (5 MiB parts alone would stop at 50 GB) while small ones keep small buffers.
    func streamedPartSize(_ number: Int) -> Int {
        max(configuration.partSize, 1) * (1 + (number - 1) / 1000)
    }

    /// Uploads what `produce` writes to its sink as it is written: `produce` runs on a thread of
    /// its own and fills part-sized buffers, this task uploads them (one `PutObject` when it all
    /// fits in one part, else a multipart upload). Two parts are in memory at most: one being
    /// sent, the next one being filled. Returns the number of bytes uploaded.
    func uploadWhileProducing(
        key: String, produce: (_ sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Void
    ) async throws -> Int64 {
        let pipe = PartPipe()
        return try await withoutActuallyEscaping(produce) { produce in
            // The closure runs on the producer thread while this task waits for that thread to
            // finish (on every path below), so it never outlives this call and never runs
            // concurrently with its owner.
            let slot = ProducerSlot(produce)
            let started = DetachedThread.start { [self] in
                let failure = fillParts(from: slot.take(), into: pipe)
                pipe.finish(failure)
            }
            guard started else {
                _ = slot.take()
                throw SwiftStreamError(.io, "\(location): cannot start a thread for \(key)")
            }
            var size: Int64 = 0
            do {
                guard let first = try await pipe.next() else { throw SwiftStreamError(.io, "no data for \(key)") }
                size = Int64(first.count)
                try await upload(key: key, first: consume first) {
                    let part = try await pipe.next()
                    size += Int64(part?.count ?? 0)
                    return part
                }
            } catch {
                pipe.cancel()
                await pipe.producerFinished()
                throw error
            }
            await pipe.producerFinished()
            return size
        }
    }

    /// Runs `produce` and passes what it writes on as parts; returns its error, or the pipe's
    /// when the consumer gave up. `produce` is released when this returns.
    private func fillParts(
        from produce: (_ sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Void, into pipe: PartPipe
    ) -> (any Error)? {
        var part: [UInt8] = []
        var number = 1
        part.reserveCapacity(streamedPartSize(number))
        do {
            try produce { chunk in
                var rest = chunk
                while !rest.isEmpty {
                    let n = min(streamedPartSize(number) - part.count, rest.count)
                    part.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest[0..<n]))
                    rest = UnsafeRawBufferPointer(rebasing: rest[n...])
                    if part.count == streamedPartSize(number) {
                        try pipe.put(part)
                        number += 1
                        part = []
                        part.reserveCapacity(streamedPartSize(number))
                    }
                }
            }
            if !part.isEmpty || number == 1 { try pipe.put(part) }
            return nil
        } catch {
            return error
        }
    }

    /// One `PutObject` when `first` is the only part (`next` gives nil at once), else a
    /// multipart upload of `first` and every part `next` gives (aborted if any step fails).
    /// A part is let go once it is sent (`first` included, hence `consuming`), so that a
    /// streamed upload holds the part being sent and the one being produced, no more.
    func upload(key: String, first: consuming [UInt8], next: () async throws -> [UInt8]?) async throws {
        guard let second = try await next() else {
            _ = try await connection.perform(
                S3Call(
                    operation: "PutObject", method: "PUT", key: key, body: .bytes(first),
                    payloadHash: Digest.hex(try Digest.sha256(first))))
            return
        }
        let created = try await connection.performCountingAttempts(
            S3Call(operation: "CreateMultipartUpload", method: "POST", key: key, query: [("uploads", "")]))
        guard let uploadID = (try? XMLElement.parse(created.response.body))?.value("UploadId"), !uploadID.isEmpty
        else {
            throw SwiftStreamError(.io, "\(location): CreateMultipartUpload \(key): response has no UploadId")
        }
        if created.attempts > 1 { await abortUploads(of: key, except: uploadID) }
        do {
            var etags: [(Int, String)] = []
            var current: [UInt8]? = consume first
            var upcoming: [UInt8]? = consume second
            while let part = current {
                current = nil
                let number = etags.count + 1
                let response = try await connection.perform(
                    S3Call(
                        operation: "UploadPart", method: "PUT", key: key,
                        query: [("partNumber", String(number)), ("uploadId", uploadID)], body: .bytes(part),
                        payloadHash: Digest.hex(try Digest.sha256(part))))
                guard let etag = response.header("ETag") else {
                    throw SwiftStreamError(.io, "\(location): UploadPart \(key): response has no ETag")
                }
                etags.append((number, etag))
                if upcoming != nil {
                    swap(&current, &upcoming)
                } else {
                    current = try await next()
                }
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
            await abortMultipartUpload(key: key, uploadID: uploadID)
            throw error
        }
    }

    /// After a retried `CreateMultipartUpload`: an earlier attempt may have created an upload
    /// whose answer was lost, which would stay open (and cost storage) for ever. Aborts the key's
    /// in-progress uploads other than `uploadID`; a key has one writer, so they are all ours.
    private func abortUploads(of key: String, except uploadID: String) async {
        do {
            let response = try await connection.perform(
                S3Call(
                    operation: "ListMultipartUploads", method: "GET", key: nil,
                    query: [("prefix", key), ("uploads", "")]))
            let root = try XMLElement.parse(response.body)
            for upload in root.children("Upload") where upload.value("Key") == key {
                guard let other = upload.value("UploadId"), other != uploadID else { continue }
                await abortMultipartUpload(key: key, uploadID: other)
            }
        } catch {
            logger.warning("cannot list multipart uploads", metadata: ["key": "\(key)", "error": "\(error)"])
        }
    }

    /// Aborts an upload, also when the task was cancelled (an upload left open costs storage
    /// until it is aborted); a failure is only logged.
    private func abortMultipartUpload(key: String, uploadID: String) async {
        do {
            _ = try await connection.perform(
                S3Call(operation: "AbortMultipartUpload", method: "DELETE", key: key, query: [("uploadId", uploadID)]),
                cancellable: false)
        } catch {
            logger.warning("cannot abort multipart upload", metadata: ["key": "\(key)", "error": "\(error)"])
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
        let key = keys.snapshot(generation, index: index)
        _ = try await download(key: key, destination: .file(path: spool.path), what: "snapshot")
        try spool.stream(chunk)
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
            "generation deleted",
            metadata: ["generation": "\(generation)", "objects": .stringConvertible(page.objects.count)])
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
