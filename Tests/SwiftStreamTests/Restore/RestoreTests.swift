#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import Logging
import SwiftStreamSystem
import Testing
@testable import SwiftStream

/// A temporary directory removed at deinit.
final class TempDir {
    let path: String
    init() throws {
        var template = Array("/tmp/swiftstream-test-XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else { throw SystemError("mkdtemp", "/tmp", errno: errno) }
        path = String(cString: p)
    }
    deinit { try? FileIO.removeTree(path) }
}

/// Builds a replica by hand from a live database: the snapshot is the database file before
/// the writes, WAL index 0 is the `-wal` file split into several segments.
/// The target a plain `restore` picks from a file replica: its latest generation.
private func latestTarget(_ client: FileReplicaClient) async throws -> RestoreTarget {
    try #require(
        try await Restore.chooseTarget(
            replicas: [NamedReplica(name: "file", client: client)], generation: nil, timestamp: nil))
}

private func makeReplica(in dir: String, transactions: Int, segmentsPerIndex: Int) async throws -> (
    FileReplicaClient, Generation, digest: [[SQLiteConnection.Value]]
) {
    let dbPath = dir + "/live.db"
    let db = try SQLiteConnection(path: dbPath, create: true)
    try db.setPersistWAL(true)
    try db.execute("PRAGMA journal_mode=wal; PRAGMA wal_autocheckpoint=0;")
    try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, b BLOB)")
    _ = try db.checkpoint("TRUNCATE")
    let snapshotBytes = try FileIO.readAll(dbPath)
    for i in 0..<transactions {
        try db.execute("BEGIN")
        try db.query(
            "INSERT INTO t (v, b) VALUES (?, randomblob(?))", [.text("row \(i)"), .integer(Int64(100 + i * 97))])
        if i % 3 == 0 { try db.query("UPDATE t SET v = v || 'x' WHERE id % 5 = ?", [.integer(Int64(i % 5))]) }
        if i % 7 == 0 { try db.query("DELETE FROM t WHERE id = ?", [.integer(Int64(i / 2))]) }
        try db.execute("COMMIT")
    }
    let wal = try FileIO.readAll(dbPath + "-wal")
    let digest = try db.query("SELECT id, v, b FROM t ORDER BY id")

    let client = FileReplicaClient(root: dir + "/replica")
    let generation = Generation.random()
    _ = try await client.writeSnapshot(generation, index: 0) { sink in
        try LZ4Frame.compress(snapshotBytes).withUnsafeBytes { try sink($0) }
    }
    let header = try WALHeader(Array(wal[0..<32]))
    let frameSize = 24 + header.pageSize
    let frames = (wal.count - 32) / frameSize
    let perSegment = max(1, frames / segmentsPerIndex)
    var offset = 0
    var end = 32 + min(frames, perSegment) * frameSize
    while offset < 32 + frames * frameSize {
        let piece = Array(wal[offset..<end])
        _ = try await client.writeWALSegment(
            at: WALPosition(generation: generation, index: 0, offset: offset), compressed: try LZ4Frame.compress(piece))
        offset = end
        end = min(32 + frames * frameSize, end + perSegment * frameSize)
    }
    return (client, generation, digest)
}

/// A replica whose WAL indices shrink the database (DELETE + VACUUM) and grow it again, built
/// from a live database: index i is the `-wal` content before the i-th TRUNCATE checkpoint.
private func makeShrinkingReplica(in dir: String) async throws -> (FileReplicaClient, [[SQLiteConnection.Value]]) {
    let dbPath = dir + "/live.db"
    let db = try SQLiteConnection(path: dbPath, create: true)
    try db.setPersistWAL(true)
    try db.execute("PRAGMA journal_mode=wal; PRAGMA wal_autocheckpoint=0;")
    try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)")
    for i in 0..<300 { try db.query("INSERT INTO t (b) VALUES (randomblob(?))", [.integer(Int64(500 + i % 7 * 900))]) }
    _ = try db.checkpoint("TRUNCATE")
    let client = FileReplicaClient(root: dir + "/replica")
    let generation = Generation.random()
    let snapshot = try FileIO.readAll(dbPath)
    _ = try await client.writeSnapshot(generation, index: 0) { sink in
        try LZ4Frame.compress(snapshot).withUnsafeBytes { try sink($0) }
    }
    let phases: [[String]] = [
        ["UPDATE t SET b = randomblob(300) WHERE id % 3 = 0"],
        ["DELETE FROM t WHERE id > 40", "VACUUM"],
        ["INSERT INTO t (b) SELECT randomblob(2000) FROM t LIMIT 30"],
        ["DELETE FROM t WHERE id % 2 = 0", "VACUUM", "INSERT INTO t (b) VALUES (randomblob(10))"],
    ]
    for (index, statements) in phases.enumerated() {
        for sql in statements { try db.execute(sql) }
        let wal = try FileIO.readAll(dbPath + "-wal")
        let header = try WALHeader(Array(wal[0..<32]))
        let frameSize = 24 + header.pageSize
        let frames = (wal.count - 32) / frameSize
        // Two segments per index: the header plus the first frame, then the rest.
        let cut = 32 + min(1, frames) * frameSize
        for (offset, end) in [(0, cut), (cut, 32 + frames * frameSize)] where end > offset {
            _ = try await client.writeWALSegment(
                at: WALPosition(generation: generation, index: index, offset: offset),
                compressed: try LZ4Frame.compress(Array(wal[offset..<end])))
        }
        _ = try db.checkpoint("TRUNCATE")
    }
    return (client, try db.query("SELECT id, b FROM t ORDER BY id"))
}

@Suite struct RestoreTests {
    @Test(arguments: [Int64(128 << 20), 0])
    func shrinkingAndGrowingDatabaseRestoresExactly(overlayLimit: Int64) async throws {
        let dir = try TempDir()
        let (client, expected) = try await makeShrinkingReplica(in: dir.path)
        let target = try await latestTarget(client)
        let out = dir.path + "/restored.db"
        var options = RestoreOptions(outputPath: out)
        options.overlayLimit = overlayLimit
        try await Restore.run(target: target, options: options, logger: Logger(label: "test"))
        let restored = try SQLiteConnection(path: out)
        #expect(try restored.integrityCheck() == "ok")
        #expect(try restored.query("SELECT id, b FROM t ORDER BY id") == expected)
        let live = try FileIO.readAll(dir.path + "/live.db")
        #expect(try FileIO.readAll(out) == live, "restored file is byte-identical to the checkpointed live file")
    }

    @Test func restoreAppliesWALFramesLikeACheckpoint() async throws {
        let dir = try TempDir()
        let (client, generation, digest) = try await makeReplica(in: dir.path, transactions: 60, segmentsPerIndex: 7)
        let replica = NamedReplica(name: "file", client: client)
        let target = try #require(try await Restore.chooseTarget(replicas: [replica], generation: nil, timestamp: nil))
        #expect(target.generation == generation)
        let out = dir.path + "/out/restored.db"
        try await Restore.run(target: target, options: RestoreOptions(outputPath: out), logger: Logger(label: "test"))
        let restored = try SQLiteConnection(path: out)
        #expect(try restored.integrityCheck() == "ok")
        #expect(try restored.query("SELECT id, v, b FROM t ORDER BY id") == digest)
        #expect(!FileIO.exists(out + ".tmp"))
        #expect(!FileIO.exists(out + ".tmp-wal"))
        let st = try #require(try FileIO.fileStatus(out))
        #expect(st.st_mode & 0o777 == 0o600)
    }

    /// "Restore to now": a timestamp after the newest upload restores the latest state and says
    /// so; a timestamp before the first backup still matches nothing (Litestream: both match nothing).
    @Test func timestampAfterTheNewestUploadRestoresTheLatestState() async throws {
        let dir = try TempDir()
        let (client, generation, digest) = try await makeReplica(in: dir.path, transactions: 20, segmentsPerIndex: 3)
        let replicas = [NamedReplica(name: "file", client: client)]
        let bounds = try #require(try await client.timeBounds(of: generation))
        let before = Timestamp(seconds: bounds.created.seconds - 1)
        #expect(try await Restore.chooseTarget(replicas: replicas, generation: nil, timestamp: before) == nil)

        let later = Timestamp(seconds: bounds.updated.seconds + 3600)
        let target = try #require(try await Restore.chooseTarget(replicas: replicas, generation: nil, timestamp: later))
        #expect(target.generation == generation)
        let out = dir.path + "/restored.db"
        var options = RestoreOptions(outputPath: out)
        options.timestamp = later
        let logs = LogRecorder()
        try await Restore.run(target: target, options: options, logger: logs.logger())
        #expect(try SQLiteConnection(path: out).query("SELECT id, v, b FROM t ORDER BY id") == digest)
        let notice = try #require(logs.messages("restoring a state older than the timestamp").first)
        #expect(notice.level == .info)
        #expect(notice.metadata["latest"] == "\(bounds.updated.rfc3339Nano)")
    }

    /// SQLite would replay a `-wal` left beside the target onto the restored file at first open.
    @Test func staleWALAndSHMBesideTheTargetAreRemovedAndSaidSo() async throws {
        let dir = try TempDir()
        let (client, _, digest) = try await makeReplica(in: dir.path, transactions: 5, segmentsPerIndex: 2)
        let target = try await latestTarget(client)
        let out = dir.path + "/restored.db"
        try FileIO.write(Array(repeating: 0x5A, count: 8192), to: out + "-wal")
        try FileIO.write(Array(repeating: 0x5A, count: 32768), to: out + "-shm")
        let logs = LogRecorder()
        try await Restore.run(target: target, options: RestoreOptions(outputPath: out), logger: logs.logger())
        #expect(!FileIO.exists(out + "-wal") && !FileIO.exists(out + "-shm"))
        #expect(
            logs.messages("removed a stale file beside the restore target").compactMap { $0.metadata["path"] }
                .map { "\($0)" } == [out + "-wal", out + "-shm"])
        #expect(try SQLiteConnection(path: out).query("SELECT id, v, b FROM t ORDER BY id") == digest)
    }

    /// A symlink planted at `<out>.tmp` is replaced, never written through.
    @Test func theTemporaryFileIsCreatedAnewNotThroughALink() async throws {
        let dir = try TempDir()
        let (client, _, digest) = try await makeReplica(in: dir.path, transactions: 3, segmentsPerIndex: 1)
        let target = try await latestTarget(client)
        let out = dir.path + "/restored.db"
        let victim = dir.path + "/victim"
        try FileIO.write(Array("keep".utf8), to: victim)
        #expect(symlink(victim, out + ".tmp") == 0)
        try await Restore.run(target: target, options: RestoreOptions(outputPath: out), logger: LogRecorder().logger())
        #expect(try FileIO.readAll(victim) == Array("keep".utf8))
        #expect(try SQLiteConnection(path: out).query("SELECT id, v, b FROM t ORDER BY id") == digest)
    }

    @Test func restoreRefusesExistingOutput() async throws {
        let dir = try TempDir()
        let (client, _, _) = try await makeReplica(in: dir.path, transactions: 3, segmentsPerIndex: 1)
        let target = try await latestTarget(client)
        let out = dir.path + "/exists.db"
        try FileIO.write([], to: out)
        await #expect(throws: SwiftStreamError.self) {
            try await Restore.run(target: target, options: RestoreOptions(outputPath: out), logger: Logger(label: "t"))
        }
        #expect(try FileIO.readAll(out).isEmpty)
    }

    @Test func missingMiddleSegmentIsAnErrorAndLeavesNothing() async throws {
        let dir = try TempDir()
        let (client, generation, _) = try await makeReplica(in: dir.path, transactions: 40, segmentsPerIndex: 5)
        let segments = try await client.walSegments(in: generation)
        #expect(segments.count >= 3)
        try await client.deleteWALSegments([segments[1].position])
        let target = try await latestTarget(client)
        let out = dir.path + "/restored.db"
        do {
            try await Restore.run(target: target, options: RestoreOptions(outputPath: out), logger: Logger(label: "t"))
            Issue.record("restore of an incomplete replica succeeded")
        } catch {
            #expect("\(error)".contains("missing wal segment"))
        }
        #expect(!FileIO.exists(out))
        #expect(!FileIO.exists(out + ".tmp"))
    }
}
