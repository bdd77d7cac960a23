import Logging
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
        try db.query("INSERT INTO t (v, b) VALUES (?, randomblob(?))", [.text("row \(i)"), .integer(Int64(100 + i * 97))])
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

@Suite struct RestoreTests {
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

    @Test func restoreRefusesExistingOutput() async throws {
        let dir = try TempDir()
        let (client, _, _) = try await makeReplica(in: dir.path, transactions: 3, segmentsPerIndex: 1)
        let target = try #require(
            try await Restore.chooseTarget(
                replicas: [NamedReplica(name: "file", client: client)], generation: nil, timestamp: nil))
        let out = dir.path + "/exists.db"
        _ = try FileIO.open(out, O_CREAT | O_WRONLY)
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
        let target = try #require(
            try await Restore.chooseTarget(
                replicas: [NamedReplica(name: "file", client: client)], generation: nil, timestamp: nil))
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
