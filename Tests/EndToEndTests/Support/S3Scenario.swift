#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import Logging
import PeerTestSupport
import SwiftStream
import SwiftStreamHTTP
import SwiftStreamS3
import SwiftStreamSystem
import Synchronization
import Testing

/// One S3 end-to-end scenario: the shared moto server (IAM auth on), a fresh bucket, a scratch
/// directory with the database, and optionally a `FaultProxy` between the daemons and moto.
///
/// Both tools get the same config file (Litestream's keys) and their credentials from
/// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`. Replication goes through the proxy when there
/// is one; restores and the checks in this file always talk to moto directly, so they neither
/// meet injected faults nor count as the daemon's requests.
struct S3Scenario: Sendable {
    let moto: MotoServer
    let bucket: String
    let directory: String
    let proxy: FaultProxy?
    /// The replica path (key prefix) inside the bucket.
    var replicaPath = "app"

    var databasePath: String { directory + "/app.db" }
    var metaPath: String { Database.defaultMetaPath(for: databasePath) }
    /// The config `replicate` uses (endpoint = the proxy when there is one).
    var replicateConfig: String { directory + "/replicate.yml" }
    /// The config restores use (endpoint = moto).
    var restoreConfig: String { directory + "/restore.yml" }

    static func make(_ label: String, proxied: Bool = false, recordBodies: Bool = true) async throws -> S3Scenario {
        let (moto, bucket) = try await MotoServer.freshBucket(label)
        let directory = try TestEnvironment.makeScratchDirectory("s3-" + label)
        let proxy = proxied ? try FaultProxy(upstreamPort: moto.port, recordBodies: recordBodies) : nil
        let scenario = S3Scenario(moto: moto, bucket: bucket, directory: directory, proxy: proxy)
        try scenario.writeConfigs()
        return scenario
    }

    /// Writes both configs; `extraDatabaseLines` / `extraReplicaLines` add keys (e.g. `sync-interval: 1s`).
    func writeConfigs(
        syncInterval: String = "200ms", extraDatabaseLines: [String] = ["min-checkpoint-page-count: 200"],
        extraReplicaLines: [String] = []
    ) throws {
        func config(endpoint: String) -> String {
            var lines = ["dbs:", "  - path: \(databasePath)", "    monitor-interval: 100ms"]
            lines += extraDatabaseLines.map { "    " + $0 }
            lines += [
                "    replicas:", "      - type: s3", "        bucket: \(bucket)", "        path: \(replicaPath)",
                "        endpoint: \(endpoint)", "        region: us-east-1", "        force-path-style: true",
                "        sync-interval: \(syncInterval)",
            ]
            lines += extraReplicaLines.map { "        " + $0 }
            return lines.joined(separator: "\n") + "\n"
        }
        try TestEnvironment.writeFile(replicateConfig, config(endpoint: proxy?.url ?? moto.endpoint))
        try TestEnvironment.writeFile(restoreConfig, config(endpoint: moto.endpoint))
    }

    /// The environment of every daemon and restore: moto credentials, no config default, no EC2 metadata.
    var environment: ChildProcess.Environment {
        .inherit([
            "AWS_ACCESS_KEY_ID": moto.admin.accessKeyID, "AWS_SECRET_ACCESS_KEY": moto.admin.secretAccessKey,
            "AWS_EC2_METADATA_DISABLED": "true", "LITESTREAM_CONFIG": nil, "AWS_SESSION_TOKEN": nil,
            "AWS_PROFILE": nil,
        ])
    }

    /// A client on moto (not through the proxy) for checks.
    var client: S3ReplicaClient {
        let configuration = S3ReplicaClient.Configuration(
            bucket: bucket, path: replicaPath, region: "us-east-1", endpoint: moto.endpoint, forcePathStyle: true,
            accessKeyID: moto.admin.accessKeyID, secretAccessKey: moto.admin.secretAccessKey,
            environment: ["AWS_EC2_METADATA_DISABLED": "true", "HOME": "/nonexistent"])
        return S3ReplicaClient(configuration: configuration, logger: Logger(label: "swiftstream.e2e.s3"))
    }

    /// Creates the database in WAL mode with the workload's schema.
    func createDatabase() throws {
        let connection = try SQLiteConnection(path: databasePath, create: true)
        _ = try connection.scalarText("PRAGMA journal_mode=WAL")
        try connection.execute(S3Workload.schema)
    }

    // MARK: Daemons

    /// Starts `replicate` with the replicate config; output goes to `<dir>/<tool>-<n>.log`.
    func startReplicate(_ tool: Tool, run: Int = 1) throws -> Daemon {
        let log = "\(directory)/\(tool)-replicate-\(run).log"
        let child = try ChildProcess(
            [try tool.binary(), "replicate", "-config", replicateConfig], environment: environment,
            standardOutput: .file(log), standardError: .append(log))
        return Daemon(tool: tool, child: child, logPath: log)
    }

    /// Waits until the replica holds at least `count` WAL segments of the local generation,
    /// failing early if `daemon` exits; returns that generation.
    @discardableResult
    func waitForWALSegments(_ count: Int, from daemon: Daemon) async throws -> Generation {
        var uploaded: Generation?
        try await waitUntil("\(daemon.tool) uploaded \(count) WAL segments (log: \(daemon.logPath))") {
            try daemon.checkRunning()
            guard let generation = try ReplicaProbe.localGeneration(metaPath: metaPath),
                try await client.walSegments(in: generation).count >= count
            else { return false }
            uploaded = generation
            return true
        }
        return try #require(uploaded)
    }

    /// Waits until the proxy has seen more than `count` requests (it records every request that
    /// reaches it, faulted or not), failing early if `daemon` exits.
    func waitForRequests(after count: Int, from daemon: Daemon, _ what: String) async throws {
        let proxy = try #require(proxy)
        try await waitUntil(what) {
            try daemon.checkRunning()
            return proxy.requests.count > count
        }
    }

    // MARK: Restores

    /// Restores with `tool` (restore config, optional extra arguments such as `-timestamp`) into
    /// `<dir>/<tool>-<label>.db`; records an issue and returns nil on failure.
    func restore(
        _ tool: Tool, label: String, arguments: [String] = [], sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> String? {
        let output = "\(directory)/\(tool)-\(label).db"
        let argv = ["restore", "-config", restoreConfig, "-o", output] + arguments + [databasePath]
        let result = try await ChildProcess.run([try tool.binary()] + argv, environment: environment)
        guard result.status == .exited(0), FileIO.exists(output) else {
            Issue.record(
                "\(tool) \(argv.joined(separator: " ")) → \(result.status)\n\(result.standardError)",
                sourceLocation: sourceLocation)
            return nil
        }
        if tool == .swiftstream {
            #expect(
                try SQLiteConnection(path: output, readOnly: true).integrityCheck() == "ok",
                sourceLocation: sourceLocation)
        }
        return output
    }

    /// Restores with both tools and expects both user-table digests to equal `expected`.
    func expectRestoresEqual(
        _ expected: DatabaseDigest, label: String, arguments: [String] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        for tool in Tool.allCases {
            guard
                let output = try await restore(
                    tool, label: label, arguments: arguments, sourceLocation: sourceLocation)
            else { continue }
            let digest = try DatabaseDigest.compute(path: output).userTables
            #expect(digest == expected, "\(tool) restore \(label)", sourceLocation: sourceLocation)
        }
    }

    /// The user-table digest of the live database.
    func liveDigest() throws -> DatabaseDigest { try DatabaseDigest.compute(path: databasePath).userTables }

    /// Removes the scratch directory and stops the proxy (after a passing test).
    func cleanUp() {
        proxy?.stop()
        try? FileIO.removeTree(directory)
    }
}

/// A running `replicate` process.
struct Daemon: Sendable {
    var tool: Tool
    var child: ChildProcess
    var logPath: String

    var log: String { (try? FileIO.readAll(logPath)).map { String(decoding: $0, as: UTF8.self) } ?? "" }

    /// Throws when the process has exited (with its log).
    func checkRunning() throws {
        if let status = child.poll() {
            throw SwiftStreamError(.io, "\(tool) replicate exited early (\(status)):\n\(log)")
        }
    }

    /// SIGTERM, then expects exit 0 within 30 s (the final sync runs on the way out).
    func stop(sourceLocation: SourceLocation = #_sourceLocation) async {
        try? child.send(signal: SIGTERM)
        let status = await child.wait(timeout: .seconds(30))
        if status == nil {
            try? child.send(signal: SIGKILL)
            _ = await child.wait()
        }
        #expect(status == .exited(0), "\(tool) replicate after SIGTERM:\n\(log)", sourceLocation: sourceLocation)
    }

    func kill() {
        try? child.send(signal: SIGKILL)
    }
}

/// What the application writes: small transactions into `items`, each with a batch number,
/// some rows carrying blobs larger than a page, plus updates and deletes of older rows.
enum S3Workload {
    static let schema = """
        CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, batch INTEGER NOT NULL, name TEXT, n INTEGER, payload BLOB);
        CREATE INDEX IF NOT EXISTS items_batch ON items (batch);
        """

    /// One transaction of batch `batch`.
    static func transaction(_ connection: SQLiteConnection, batch: Int, sequence: Int) throws {
        try connection.execute("BEGIN IMMEDIATE")
        do {
            for row in 0..<4 {
                let size = (sequence + row) % 5 == 0 ? 6000 : 100
                try connection.query(
                    "INSERT INTO items (batch, name, n, payload) VALUES (?, ?, ?, randomblob(?))",
                    [
                        .integer(Int64(batch)), .text("b\(batch) t\(sequence) r\(row)"), .integer(0),
                        .integer(Int64(size)),
                    ])
            }
            if sequence % 3 == 0 {
                try connection.query(
                    "UPDATE items SET n = n + 1 WHERE batch < ? AND id % 7 = ?",
                    [.integer(Int64(batch)), .integer(Int64(sequence % 7))])
            }
            if sequence % 10 == 5 {
                try connection.query(
                    "DELETE FROM items WHERE batch < ? AND id % 11 = ?",
                    [.integer(Int64(batch)), .integer(Int64(sequence % 11))])
            }
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }

    /// Writes `count` transactions of `batch`, `pause` apart.
    static func writeBatch(_ path: String, batch: Int, count: Int, pause: Duration = .milliseconds(50)) async throws {
        let connection = try SQLiteConnection(path: path)
        connection.setBusyTimeout(milliseconds: 10_000)
        for sequence in 0..<count {
            try transaction(connection, batch: batch, sequence: sequence)
            try await Task.sleep(for: pause)  // pacing of the workload, not a wait
        }
    }

    /// `SELECT batch, COUNT(*) FROM items GROUP BY batch`.
    static func batchCounts(_ path: String) throws -> [Int64: Int64] {
        try FixtureBuilder.batchCounts(try SQLiteConnection(path: path, readOnly: true))
    }
}

/// The application running alongside a daemon: one transaction every `interval` on its own
/// thread (SQLite calls block) until `stop()`.
final class BackgroundWriter: Sendable {
    private let stopRequested = Atomic<Bool>(false)
    private let finished = Atomic<Bool>(false)
    private let committed = Atomic<Int>(0)
    private let failure = Mutex<String?>(nil)

    init(path: String, batch: Int = 1, interval: Duration = .milliseconds(20)) {
        let micros = UInt32(interval / .microseconds(1))
        TestThread.detach { [self] in
            defer { finished.store(true, ordering: .releasing) }
            do {
                let connection = try SQLiteConnection(path: path)
                connection.setBusyTimeout(milliseconds: 10_000)
                var sequence = 0
                while !stopRequested.load(ordering: .relaxed) {
                    try S3Workload.transaction(connection, batch: batch, sequence: sequence)
                    sequence += 1
                    committed.add(1, ordering: .relaxed)
                    usleep(micros)  // pacing of the workload, not a wait
                }
            } catch {
                failure.withLock { $0 = "\(error)" }
            }
        }
    }

    /// Transactions committed so far.
    var transactions: Int { committed.load(ordering: .relaxed) }

    /// Stops after the current transaction; throws if a transaction failed.
    func stop() async throws {
        stopRequested.store(true, ordering: .relaxed)
        try await waitUntil("the writer finished its transaction", every: .milliseconds(10)) {
            finished.load(ordering: .acquiring)
        }
        if let failure = failure.withLock({ $0 }) {
            throw SwiftStreamError(.io, "writer failed after \(transactions) transactions: \(failure)")
        }
    }
}

/// Reads a replica through a `ReplicaClient` (for S3: moto directly) to tell when a daemon has
/// caught up with the database and whether the uploaded WAL has gaps.
struct ReplicaProbe {
    var client: any ReplicaClient

    /// The generation in the database's meta directory, if any.
    static func localGeneration(metaPath: String) throws -> Generation? {
        guard let bytes = try? FileIO.readAll(metaPath + "/generation") else { return nil }
        return Generation(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: " \n"))
    }

    /// True once the replica holds, for the local generation, a snapshot and a last WAL index
    /// whose bytes equal the committed part of the real `-wal` file. Meaningful only while the
    /// application is idle.
    func isCaughtUp(databasePath: String) async throws -> Bool {
        guard let generation = try Self.localGeneration(metaPath: Database.defaultMetaPath(for: databasePath)),
            FileIO.exists(databasePath + "-wal")
        else { return false }
        let wal = try FileIO.readAll(databasePath + "-wal")
        let committed = ReplicaInspector.committedLength(of: wal)
        guard committed >= WAL.headerSize, try await !client.snapshots(in: generation).isEmpty else { return false }
        let segments = try await client.walSegments(in: generation)
        guard let last = segments.map(\.index).max() else { return false }
        var uploaded: [UInt8] = []
        for segment in segments.filter({ $0.index == last }).sorted(by: { $0.offset < $1.offset }) {
            uploaded += try LZ4Frame.decompress(try await client.walSegment(at: segment.position))
        }
        return uploaded.count == committed && uploaded[...] == wal[..<committed]
    }

    /// Waits until `isCaughtUp`, failing early if `daemon` exits.
    func waitForCatchUp(
        databasePath: String, daemon: Daemon?, _ label: String, timeout: Duration = .seconds(60)
    ) async throws {
        try await waitUntil(
            "the replica has everything committed (\(label))", timeout: timeout, every: .milliseconds(200)
        ) {
            try daemon?.checkRunning()
            return try await isCaughtUp(databasePath: databasePath)
        }
    }

    /// Problems with the WAL of `generation`: in every index the segments must be contiguous
    /// from offset 0 (each starting where the previous one's decompressed bytes end), indexes
    /// must follow each other without holes, and each index starts with a WAL header.
    func gaps(in generation: Generation) async throws -> [String] {
        var problems: [String] = []
        let segments = try await client.walSegments(in: generation)
        let indexes = Set(segments.map(\.index)).sorted()
        if let first = indexes.first, let last = indexes.last, indexes.count != last - first + 1 {
            problems.append("indexes \(first)...\(last) have holes: \(indexes)")
        }
        for index in indexes {
            var expected = 0
            for segment in segments.filter({ $0.index == index }).sorted(by: { $0.offset < $1.offset }) {
                let bytes = try LZ4Frame.decompress(try await client.walSegment(at: segment.position))
                if segment.offset != expected {
                    problems.append("index \(index): segment at offset \(segment.offset), expected \(expected)")
                }
                if segment.offset == 0, !(bytes.count >= WAL.headerSize && bytes[0] == 0x37 && bytes[1] == 0x7F) {
                    problems.append("index \(index): offset 0 does not start with a WAL header")
                }
                expected = segment.offset + bytes.count
            }
        }
        return problems
    }
}
