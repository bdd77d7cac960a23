import PeerTestSupport
import SwiftStream
import SwiftStreamHTTP
import SwiftStreamS3
import SwiftStreamSystem
import Testing

/// Interoperability with the real Litestream v0.3.13 over S3 (moto_server with auth on).
@Suite(.timeLimit(.minutes(3))) struct LitestreamInteropTests {
    static func config(db: String, moto: MotoServer, bucket: String, path: String) -> String {
        """
        dbs:
          - path: \(db)
            replicas:
              - type: s3
                bucket: \(bucket)
                path: \(path)
                endpoint: \(moto.endpoint)
                region: us-east-1
                force-path-style: true
                sync-interval: 100ms
        """
    }

    static func environment(_ moto: MotoServer) -> [String: String] {
        [
            "PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "AWS_ACCESS_KEY_ID": moto.admin.accessKeyID,
            "AWS_SECRET_ACCESS_KEY": moto.admin.secretAccessKey, "AWS_EC2_METADATA_DISABLED": "true",
        ]
    }

    /// Runs a litestream subcommand to completion and returns its output.
    static func litestream(_ arguments: [String], moto: MotoServer, dir: String) async throws -> (Int32?, String) {
        let process = try PeerProcess(
            executable: try PeerBinaries.litestream(), arguments: arguments, environment: environment(moto),
            logPath: dir + "/litestream-\(arguments[0]).log")
        let status = await process.wait(seconds: 60)
        if status == nil { process.kill() }
        return (status, process.log)
    }

    @Test func readsWhatLitestreamReplicated() async throws {
        let (moto, bucket) = try await MotoServer.freshBucket("fromls")
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = dir.path + "/app.db"
        do {
            let connection = try SQLiteConnection(path: db, create: true)
            try connection.execute("PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3);")
        }
        try writeFile(dir.path + "/litestream.yml", Self.config(db: db, moto: moto, bucket: bucket, path: "app"))
        let replicate = try PeerProcess(
            executable: try PeerBinaries.litestream(),
            arguments: ["replicate", "-config", dir.path + "/litestream.yml"],
            environment: Self.environment(moto), logPath: dir.path + "/replicate.log")
        defer { replicate.kill() }

        let client = makeClient(endpoint: moto.endpoint, bucket: bucket, path: "app", credentials: moto.admin)
        var generation: Generation?
        var segments: [WALSegmentInfo] = []
        try await waitUntil(
            "litestream replicated a snapshot and WAL (log: \(replicate.log))", every: .milliseconds(200)
        ) {
            guard let g = try await client.generations().first else { return false }
            segments = try await client.walSegments(in: g)
            guard !segments.isEmpty, !(try await client.snapshots(in: g)).isEmpty else { return false }
            generation = g
            return true
        }
        let g = try #require(generation, "litestream did not replicate: \(replicate.log)")
        let snapshots = try await client.snapshots(in: g)
        #expect(snapshots.first?.index == 0)
        let compressed = try await client.readSnapshotBytes(g, index: 0)
        #expect(Int64(compressed.count) == snapshots.first?.size)
        let database = try LZ4Frame.decompress(compressed)
        #expect(Array(database.prefix(16)) == Array("SQLite format 3\0".utf8))
        let first = try #require(segments.first)
        #expect(first.offset == 0)
        let wal = try LZ4Frame.decompress(try await client.walSegment(at: first.position))
        // A segment at offset 0 starts with the WAL header (magic 0x377f0682 or 0x377f0683).
        #expect(Array(wal.prefix(3)) == [0x37, 0x7F, 0x06])
        #expect(wal.count >= 32)
        // Litestream's listing time and ours agree to the second (both are LastModified).
        #expect(snapshots.first.map { $0.createdAt.seconds > 0 } == true)
    }

    @Test func litestreamRestoresWhatWeWrote() async throws {
        let (moto, bucket) = try await MotoServer.freshBucket("tols")
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let source = dir.path + "/source.db"
        do {
            let connection = try SQLiteConnection(path: source, create: true)
            try connection.execute(
                "CREATE TABLE t(x TEXT); INSERT INTO t VALUES ('alpha'), ('beta'); INSERT INTO t SELECT x || '!' FROM t;"
            )
        }
        let client = makeClient(endpoint: moto.endpoint, bucket: bucket, path: "ours", credentials: moto.admin)
        let generation = Generation.random()
        let compressed = try LZ4Frame.compress(try FileIO.readAll(source))
        try await client.writeSnapshot(generation, index: 0, bytes: compressed)

        let db = dir.path + "/app.db"
        let config = dir.path + "/litestream.yml"
        try writeFile(config, Self.config(db: db, moto: moto, bucket: bucket, path: "ours"))
        let (status, listing) = try await Self.litestream(
            ["snapshots", "-config", config, db], moto: moto, dir: dir.path)
        #expect(status == 0, "\(listing)")
        let row = listing.split(separator: "\n").first { $0.contains(generation.id) }
        #expect(row != nil, "litestream snapshots did not list \(generation.id): \(listing)")
        #expect(row?.contains("\(compressed.count)") == true)

        let (restoreStatus, restoreLog) = try await Self.litestream(
            ["restore", "-config", config, "-o", dir.path + "/restored.db", db], moto: moto, dir: dir.path)
        #expect(restoreStatus == 0, "\(restoreLog)")
        let restored = try SQLiteConnection(path: dir.path + "/restored.db", readOnly: true)
        #expect(try restored.scalarInt("SELECT count(*) FROM t") == 4)
        #expect(try restored.integrityCheck() == "ok")
    }
}
