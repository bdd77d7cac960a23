import PeerTestSupport
import SwiftStream
import SwiftStreamHTTP
import SwiftStreamS3
import Synchronization
import Testing

/// The ReplicaClient contract against a real S3 implementation (moto_server, auth on).
@Suite(.timeLimit(.minutes(3))) struct S3ReplicaClientTests {
    // swift-format-ignore: NeverForceUnwrap
    // A literal of 16 lowercase hex digits is a valid generation.
    static let g1 = Generation("0000000000000001")!
    // swift-format-ignore: NeverForceUnwrap
    // A literal of 16 lowercase hex digits is a valid generation.
    static let g2 = Generation("00000000000000ff")!

    @Test(arguments: ["db", "/rooted/db", ""])
    func conformance(root: String) async throws {
        let (moto, bucket) = try await MotoServer.freshBucket("conf")
        let client = makeClient(endpoint: moto.endpoint, bucket: bucket, path: root, credentials: moto.admin)
        #expect(try await client.generations().isEmpty)
        #expect(try await client.snapshots(in: Self.g1).isEmpty)
        #expect(try await client.walSegments(in: Self.g1).isEmpty)

        let before = Timestamp.now()
        let snapshot0 = randomBytes(1000)
        let info = try await client.writeSnapshot(Self.g1, index: 0, bytes: snapshot0)
        #expect(info.size == 1000 && info.index == 0)
        try await client.writeSnapshot(Self.g1, index: 1, bytes: randomBytes(10))
        try await client.writeSnapshot(Self.g2, index: 5, bytes: [])
        let segments = (0..<3).map { WALPosition(generation: Self.g1, index: 1, offset: $0 * 4152) }
        var payloads: [WALPosition: [UInt8]] = [:]
        for p in segments {
            payloads[p] = randomBytes(100 + p.offset % 7)
            let written = try await client.writeWALSegment(at: p, compressed: payloads[p] ?? [])
            #expect(written.position == p)
        }

        #expect(try await client.generations() == [Self.g1, Self.g2])
        let snapshots = try await client.snapshots(in: Self.g1)
        #expect(snapshots.map(\.index) == [0, 1])
        #expect(snapshots.map(\.size) == [1000, 10])
        // LastModified has second precision; it must be "now", not the zero time.
        #expect(snapshots.allSatisfy { $0.createdAt.seconds >= before.seconds - 2 })
        #expect(try await client.snapshots(in: Self.g2).map(\.size) == [0])
        let listed = try await client.walSegments(in: Self.g1)
        #expect(listed.map(\.position) == segments)
        #expect(listed.map(\.size) == segments.map { Int64(payloads[$0]?.count ?? 0) })

        #expect(try await client.readSnapshotBytes(Self.g1, index: 0) == snapshot0)
        #expect(try await client.readSnapshotBytes(Self.g2, index: 5) == [])
        for p in segments { #expect(try await client.walSegment(at: p) == payloads[p]) }

        await #expect { try await client.readSnapshotBytes(Self.g1, index: 9) } throws: {
            ($0 as? SwiftStreamError)?.code == .notFound
        }
        await #expect {
            _ = try await client.walSegment(at: WALPosition(generation: Self.g1, index: 9, offset: 0))
        } throws: { ($0 as? SwiftStreamError)?.code == .notFound }

        try await client.deleteSnapshot(Self.g1, index: 1)
        try await client.deleteSnapshot(Self.g1, index: 42)  // missing is fine
        #expect(try await client.snapshots(in: Self.g1).map(\.index) == [0])
        try await client.deleteWALSegments(Array(segments.prefix(2)))
        #expect(try await client.walSegments(in: Self.g1).map(\.position) == [segments[2]])
        try await client.deleteGeneration(Self.g1)
        #expect(try await client.generations() == [Self.g2])
        #expect(try await client.walSegments(in: Self.g1).isEmpty)
        let times = try await client.timeBounds(of: Self.g2)
        #expect(times != nil)
    }

    @Test func keysUseTheConfiguredPathVerbatim() async throws {
        let (moto, bucket) = try await MotoServer.freshBucket("keys")
        let rooted = makeClient(endpoint: moto.endpoint, bucket: bucket, path: "/abs", credentials: moto.admin)
        try await rooted.writeSnapshot(Self.g1, index: 0, bytes: [1, 2, 3])
        let everything = makeClient(endpoint: moto.endpoint, bucket: bucket, path: "", credentials: moto.admin)
        let page = try await everything.list(prefix: "", delimiter: nil)
        #expect(page.objects.map(\.key) == ["/abs/generations/0000000000000001/snapshots/00000000.snapshot.lz4"])
        // A relative root does not see the rooted keys.
        let relative = makeClient(endpoint: moto.endpoint, bucket: bucket, path: "abs", credentials: moto.admin)
        #expect(try await relative.generations().isEmpty)
    }

    /// Keys are cleaned like Go's `path.Join` (`a/./b` → `a/b`), but a root that climbs
    /// (`../db`) keeps its `..`: libcurl would normalise `/../` out of the URL path, so the
    /// request would go to another key than the one signed (SignatureDoesNotMatch).
    @Test(arguments: [("../db", "../db"), ("a/./b/../../..", ".."), ("a/./b", "a/b")])
    func dotSegmentsInKeysAreSentLiterally(root: String, keyRoot: String) async throws {
        let (moto, bucket) = try await MotoServer.freshBucket("dots")
        let client = makeClient(endpoint: moto.endpoint, bucket: bucket, path: root, credentials: moto.admin)
        try await client.writeSnapshot(Self.g1, index: 0, bytes: [1, 2, 3])
        #expect(try await client.readSnapshotBytes(Self.g1, index: 0) == [1, 2, 3])
        #expect(try await client.snapshots(in: Self.g1).map(\.index) == [0])
        let everything = makeClient(endpoint: moto.endpoint, bucket: bucket, path: "", credentials: moto.admin)
        let page = try await everything.list(prefix: "", delimiter: nil)
        #expect(page.objects.map(\.key) == ["\(keyRoot)/generations/0000000000000001/snapshots/00000000.snapshot.lz4"])
    }

    @Test func multipartUploadAboveFiveMebibytes() async throws {
        let (moto, bucket) = try await MotoServer.freshBucket("multi")
        let proxy = try FaultProxy(upstreamPort: moto.port)
        defer { proxy.stop() }
        let client = makeClient(endpoint: proxy.url, bucket: bucket, credentials: moto.admin)
        let big = randomBytes(11 << 20 + 12345)
        let info = try await client.writeSnapshot(Self.g1, index: 7, bytes: big)
        #expect(info.size == Int64(big.count))
        let methods = proxy.requests.map {
            "\($0.method) \($0.target.contains("uploads") ? "create" : ($0.target.contains("partNumber") ? "part" : ($0.target.contains("uploadId") ? "complete" : "other")))"
        }
        #expect(methods == ["POST create", "PUT part", "PUT part", "PUT part", "POST complete"])
        #expect(try await client.snapshots(in: Self.g1).first?.size == Int64(big.count))
        #expect(try await client.readSnapshotBytes(Self.g1, index: 7) == big)
        // A WAL segment above the threshold goes multipart too.
        let segment = randomBytes(5 << 20)
        let position = WALPosition(generation: Self.g1, index: 0, offset: 0)
        _ = try await client.writeWALSegment(at: position, compressed: segment)
        #expect(try await client.walSegment(at: position) == segment)
    }

    /// Snapshots are uploaded while they are produced, in part-sized buffers: no temporary file
    /// (the configured directory does not even exist); a producer that fails aborts the
    /// multipart upload; a part the store refuses stops the producer.
    @Test func snapshotsStreamWithoutATemporaryFile() async throws {
        let (moto, bucket) = try await MotoServer.freshBucket("stream")
        let proxy = try FaultProxy(upstreamPort: moto.port, recordBodies: false)
        defer { proxy.stop() }
        let client = makeClient(endpoint: proxy.url, bucket: bucket, credentials: moto.admin) {
            $0.temporaryDirectory = "/nonexistent/swiftstream-tmp"
        }
        let reader = makeClient(endpoint: moto.endpoint, bucket: bucket, credentials: moto.admin)
        let big = randomBytes(11 << 20 + 7)
        #expect(try await client.writeSnapshot(Self.g1, index: 1, bytes: big).size == Int64(big.count))
        #expect(try await reader.readSnapshotBytes(Self.g1, index: 1) == big)
        #expect(proxy.operationCounts[.uploadPart] == 3)

        struct Broken: Error {}
        proxy.clearRequests()
        await #expect(throws: Broken.self) {
            _ = try await client.writeSnapshot(Self.g1, index: 2) { sink in
                let chunk = [UInt8](repeating: 7, count: 1 << 20)
                for _ in 0..<12 { try chunk.withUnsafeBytes { try sink($0) } }
                throw Broken()
            }
        }
        #expect(proxy.operationCounts[.abortMultipartUpload] == 1, "\(proxy.operationCounts)")
        #expect(proxy.operationCounts[.completeMultipartUpload] == nil)

        proxy.clearRequests()
        proxy.inject([.pass, .pass, .status(403, code: "AccessDenied")])
        let produced = Atomic(0)
        await #expect(throws: (any Error).self) {
            _ = try await client.writeSnapshot(Self.g1, index: 3) { sink in
                let chunk = [UInt8](repeating: 9, count: 1 << 20)
                for _ in 0..<200 {
                    try chunk.withUnsafeBytes { try sink($0) }
                    produced.add(1, ordering: .relaxed)
                }
            }
        }
        #expect(produced.load(ordering: .relaxed) < 30, "the producer was stopped after the refused part")
        #expect(proxy.operationCounts[.abortMultipartUpload] == 1, "\(proxy.operationCounts)")
        #expect(try await reader.snapshots(in: Self.g1).map(\.index) == [1])
    }

    @Test func paginationAndDeleteBatchesOverAThousandKeys() async throws {
        let (moto, bucket) = try await MotoServer.freshBucket("pages")
        let proxy = try FaultProxy(upstreamPort: moto.port)
        defer { proxy.stop() }
        let client = makeClient(endpoint: proxy.url, bucket: bucket, credentials: moto.admin) { $0.listPageSize = 100 }
        let count = 1005
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for i in stride(from: worker, to: count, by: 8) {
                        _ = try await client.writeWALSegment(
                            at: WALPosition(generation: Self.g1, index: i / 100, offset: i % 100),
                            compressed: [UInt8(i & 0xFF)])
                    }
                }
            }
            try await group.waitForAll()
        }
        try await client.writeSnapshot(Self.g1, index: 0, bytes: [0])
        proxy.clearRequests()
        let segments = try await client.walSegments(in: Self.g1)
        #expect(segments.count == count)
        #expect(segments == segments.sorted { $0.position < $1.position })
        #expect(proxy.requests.count == 11)
        #expect(proxy.requests.allSatisfy { $0.target.contains("max-keys=100") })

        proxy.clearRequests()
        try await client.deleteGeneration(Self.g1)
        let deletes = proxy.requests.filter { $0.method == "POST" && $0.target.contains("delete") }
        #expect(deletes.count == 2)
        #expect(deletes.allSatisfy { $0.header("Content-MD5") != nil })
        #expect(try await client.walSegments(in: Self.g1).isEmpty)
        #expect(try await client.generations().isEmpty)
    }

    @Test func writesDoNotList() async throws {
        let (moto, bucket) = try await MotoServer.freshBucket("economy")
        let proxy = try FaultProxy(upstreamPort: moto.port)
        defer { proxy.stop() }
        let client = makeClient(endpoint: proxy.url, bucket: bucket, credentials: moto.admin)
        try await client.writeSnapshot(Self.g1, index: 0, bytes: [1])
        for i in 0..<3 {
            _ = try await client.writeWALSegment(
                at: WALPosition(generation: Self.g1, index: 0, offset: i), compressed: [2])
        }
        #expect(proxy.requests.map(\.method) == ["PUT", "PUT", "PUT", "PUT"])
    }

    @Test func wrongSecretFailsWith403AndAClearMessage() async throws {
        let (moto, bucket) = try await MotoServer.freshBucket("auth")
        let proxy = try FaultProxy(upstreamPort: moto.port)
        defer { proxy.stop() }
        let secret = "WRONG-secret-\(UInt32.random(in: 0...UInt32.max))"
        let bad = AWSCredentials(accessKeyID: moto.admin.accessKeyID, secretAccessKey: secret)
        let client = makeClient(endpoint: proxy.url, bucket: bucket, credentials: bad)
        var message = ""
        do {
            _ = try await client.writeWALSegment(
                at: WALPosition(generation: Self.g1, index: 0, offset: 0), compressed: [1])
            Issue.record("a wrong secret was accepted")
        } catch {
            message = "\(error)"
        }
        #expect(message.contains("403 SignatureDoesNotMatch on PutObject"))
        #expect(message.contains("check secret-access-key"))
        #expect(message.hasPrefix("s3://\(bucket)/db: "))
        let sent = proxy.requests
        #expect(sent.count == 1)  // not retried
        let signature = sent.first?.header("Authorization")?.split(separator: "=").last.map(String.init) ?? "?"
        #expect(!message.contains(secret))
        #expect(!message.contains(signature))

        let unknown = makeClient(
            endpoint: moto.endpoint, bucket: bucket,
            credentials: AWSCredentials(accessKeyID: "AKIAUNKNOWN000000000", secretAccessKey: "x"))
        await #expect { _ = try await unknown.generations() } throws: {
            "\($0)".contains("403 InvalidAccessKeyId on ListObjectsV2")
        }
        let good = makeClient(endpoint: moto.endpoint, bucket: bucket + "-missing", credentials: moto.admin)
        await #expect { _ = try await good.generations() } throws: {
            "\($0)".contains("404 NoSuchBucket") && "\($0)".contains("check the bucket name")
        }
    }

    @Test func tamperedSignatureIsRejected() async throws {
        let (moto, bucket) = try await MotoServer.freshBucket("tamper")
        let request = try await moto.signed(
            method: "PUT", path: "/\(bucket)/k", body: [1], service: "s3", headers: [], credentials: moto.admin)
        #expect(request.status == 200)
        // Same request, one signature digit changed.
        let hash = Digest.hex(try Digest.sha256([1]))
        let headers = [HTTPHeader("host", "127.0.0.1:\(moto.port)"), HTTPHeader("x-amz-content-sha256", hash)]
        let signed = try SigV4Signer(service: "s3", region: "us-east-1").sign(
            method: "PUT", canonicalPath: "/\(bucket)/k", query: [], headers: headers, payloadHash: hash,
            credentials: moto.admin, date: Timestamp.now())
        let tampered = signed.headers.map {
            $0.name == "authorization"
                ? HTTPHeader($0.name, String($0.value.dropLast()) + ($0.value.hasSuffix("0") ? "1" : "0")) : $0
        }
        let response = try await moto.http.execute(
            HTTPRequest(
                method: "PUT", url: moto.endpoint + "/\(bucket)/k", headers: [headers[1]] + tampered, body: .bytes([1]))
        )
        #expect(response.status == 403)
        #expect(S3ErrorResponse(body: response.body)?.code == "SignatureDoesNotMatch")
    }

    @Test func transientFaultsAreRetried() async throws {
        let (moto, bucket) = try await MotoServer.freshBucket("faults")
        let proxy = try FaultProxy(upstreamPort: moto.port)
        defer { proxy.stop() }
        let client = makeClient(endpoint: proxy.url, bucket: bucket, credentials: moto.admin) {
            $0.retry = S3RetryPolicy(maxAttempts: 6, baseDelayMilliseconds: 10, maxDelayMilliseconds: 50)
            $0.http.timeoutMilliseconds = 2_000
        }
        proxy.inject([.status(500, code: "InternalError"), .status(503, code: "SlowDown"), .reset])
        try await client.writeSnapshot(Self.g1, index: 0, bytes: [1, 2, 3])
        #expect(proxy.pendingFaults == 0)
        #expect(proxy.requests.count == 4)

        proxy.inject([.stall(seconds: 4), .status(429, code: "TooManyRequests")])
        #expect(try await client.snapshots(in: Self.g1).map(\.index) == [0])
        proxy.inject([.reset, .status(500, code: "InternalError")])
        #expect(try await client.readSnapshotBytes(Self.g1, index: 0) == [1, 2, 3])
        proxy.inject([.reset, .reset])
        try await client.deleteSnapshot(Self.g1, index: 0)
        #expect(try await client.snapshots(in: Self.g1).isEmpty)
        // A multipart upload whose first part hits a reset and whose completion hits a 500.
        let big = randomBytes(6 << 20)
        proxy.clearRequests()
        proxy.inject([.pass, .reset, .pass, .pass, .status(500, code: "InternalError")])
        try await client.writeSnapshot(Self.g1, index: 1, bytes: big)
        #expect(proxy.requests.count == 6)
        #expect(try await client.readSnapshotBytes(Self.g1, index: 1) == big)
    }

    @Test func aListingThatRepeatsItsContinuationTokenEnds() async throws {
        let requests = Atomic<Int>(0)
        let server = try LoopbackHTTPServer { _ in
            requests.add(1, ordering: .relaxed)
            return .respond(
                RawHTTPResponse(
                    status: 200,
                    text: "<ListBucketResult><IsTruncated>true</IsTruncated>"
                        + "<NextContinuationToken>same</NextContinuationToken></ListBucketResult>"))
        }
        defer { server.stop() }
        let client = makeClient(
            endpoint: server.url, bucket: "bkt", credentials: AWSCredentials(accessKeyID: "AKID", secretAccessKey: "s"))
        await #expect { _ = try await client.generations() } throws: {
            "\($0)".contains("returned the same continuation token twice")
        }
        #expect(requests.load(ordering: .relaxed) == 2)
    }

    @Test func retriesGiveUpWithTheLastError() async throws {
        let (moto, bucket) = try await MotoServer.freshBucket("giveup")
        let proxy = try FaultProxy(upstreamPort: moto.port)
        defer { proxy.stop() }
        let client = makeClient(endpoint: proxy.url, bucket: bucket, credentials: moto.admin) {
            $0.retry = S3RetryPolicy(maxAttempts: 3, baseDelayMilliseconds: 1, maxDelayMilliseconds: 5)
        }
        proxy.inject(Array(repeating: .status(503, code: "SlowDown"), count: 5))
        await #expect { _ = try await client.generations() } throws: {
            "\($0)".contains("503 SlowDown on ListObjectsV2")
        }
        #expect(proxy.requests.count == 3)
    }
}
