import PeerTestSupport
import SwiftStream
import SwiftStreamHTTP
import Testing
@testable import SwiftStreamS3

/// No multipart upload is left behind (each one costs storage until aborted): not after a
/// cancelled upload, not after a CreateMultipartUpload whose answer was lost.
@Suite(.timeLimit(.minutes(3))) struct S3MultipartCleanupTests {
    // swift-format-ignore: NeverForceUnwrap
    // A literal of 16 lowercase hex digits is a valid generation.
    static let g = Generation("0000000000000003")!

    /// The keys and ids of the bucket's in-progress multipart uploads, asked of moto directly.
    static func inProgressUploads(_ moto: MotoServer, _ bucket: String) async throws -> [String] {
        let connection = S3Connection(
            bucket: bucket, endpoint: moto.endpoint, forcePathStyle: true, region: "us-east-1",
            retry: S3RetryPolicy(), http: moto.http,
            credentials: AWSCredentialChain(
                accessKeyID: moto.admin.accessKeyID, secretAccessKey: moto.admin.secretAccessKey,
                environment: isolatedEnvironment, http: moto.http, logger: testLogger),
            location: "s3://\(bucket)", logger: testLogger)
        let response = try await connection.perform(
            S3Call(operation: "ListMultipartUploads", method: "GET", key: nil, query: [("uploads", "")]))
        let root = try XMLElement.parse(response.body)
        return root.children("Upload").map { "\($0.value("Key") ?? "?") \($0.value("UploadId") ?? "?")" }
    }

    @Test func aCancelledUploadIsAborted() async throws {
        let (moto, bucket) = try await MotoServer.freshBucket("cancel")
        let proxy = try FaultProxy(upstreamPort: moto.port, recordBodies: false)
        defer { proxy.stop() }
        let client = makeClient(endpoint: proxy.url, bucket: bucket, credentials: moto.admin)
        // CreateMultipartUpload and part 1 pass, part 2 hangs: the cancellation arrives mid-upload.
        proxy.inject([.pass, .pass, .stall(seconds: 20)])
        let big = randomBytes(11 << 20)
        let upload = Task { try await client.writeSnapshot(Self.g, index: 0, bytes: big) }
        try await waitUntil("part 2 is on its way") { proxy.operationCounts[.uploadPart] == 2 }
        upload.cancel()
        await #expect(throws: (any Error).self) { try await upload.value }
        #expect(proxy.operationCounts[.abortMultipartUpload] == 1, "\(proxy.operationCounts)")
        #expect(try await Self.inProgressUploads(moto, bucket) == [])
    }

    @Test func aRetriedCreateLeavesNoOrphan() async throws {
        let (moto, bucket) = try await MotoServer.freshBucket("orphan")
        let proxy = try FaultProxy(upstreamPort: moto.port, recordBodies: false)
        defer { proxy.stop() }
        let client = makeClient(endpoint: proxy.url, bucket: bucket, credentials: moto.admin) {
            $0.retry = S3RetryPolicy(maxAttempts: 4, baseDelayMilliseconds: 1, maxDelayMilliseconds: 5)
        }
        // moto creates an upload, its answer is lost; the retry creates a second one.
        proxy.inject([.loseResponse])
        let big = randomBytes(6 << 20)
        try await client.writeSnapshot(Self.g, index: 1, bytes: big)
        #expect(proxy.operationCounts[.createMultipartUpload] == 2, "\(proxy.operationCounts)")
        #expect(try await Self.inProgressUploads(moto, bucket) == [])
        #expect(try await client.readSnapshotBytes(Self.g, index: 1) == big)
    }
}
