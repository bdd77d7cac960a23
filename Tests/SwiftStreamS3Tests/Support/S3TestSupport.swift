import Logging
import PeerTestSupport
import SwiftStream
import SwiftStreamHTTP
import SwiftStreamS3
import SwiftStreamSystem

/// An environment that keeps the credential chain away from the developer's real settings and
/// from EC2 instance metadata.
let isolatedEnvironment = ["AWS_EC2_METADATA_DISABLED": "true", "HOME": "/nonexistent"]

let testLogger = Logger(label: "swiftstream.s3.tests")

func makeClient(
    endpoint: String, bucket: String, path: String = "db", credentials: AWSCredentials?,
    environment: [String: String] = isolatedEnvironment,
    configure: (inout S3ReplicaClient.Configuration) -> Void = { _ in }
) -> S3ReplicaClient {
    var configuration = S3ReplicaClient.Configuration(
        bucket: bucket, path: path, region: "us-east-1", endpoint: endpoint, forcePathStyle: true,
        accessKeyID: credentials?.accessKeyID ?? "", secretAccessKey: credentials?.secretAccessKey ?? "",
        environment: environment)
    configure(&configuration)
    return S3ReplicaClient(configuration: configuration, logger: testLogger)
}

func randomBytes(_ count: Int) -> [UInt8] {
    var rng = SystemRandomNumberGenerator()
    var out = [UInt8](repeating: 0, count: count)
    var i = 0
    while i < count {
        let v = rng.next() as UInt64
        for b in 0..<8 where i + b < count { out[i + b] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(b))) }
        i += 8
    }
    return out
}

extension S3ReplicaClient {
    /// Writes `bytes` as a snapshot through the produce/sink interface, in 64 KiB pieces.
    @discardableResult
    func writeSnapshot(_ generation: Generation, index: Int, bytes: [UInt8]) async throws -> SnapshotInfo {
        try await writeSnapshot(generation, index: index) { sink in
            try bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = min(65536, raw.count - offset)
                    try sink(UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + n)]))
                    offset += n
                }
            }
        }
    }

    func readSnapshotBytes(_ generation: Generation, index: Int) async throws -> [UInt8] {
        var out: [UInt8] = []
        try await readSnapshot(generation, index: index) { out.append(contentsOf: $0) }
        return out
    }
}

func writeFile(_ path: String, _ text: String) throws {
    try FileIO.write(Array(text.utf8), to: path, permissions: .ownerReadWrite)
}
