import Logging
import PeerTestSupport
import SwiftStreamSystem
import Synchronization
import Testing
@testable import SwiftStream

/// A file replica whose uploads fail while `failing` is set (a store that is down).
final class OutageReplicaClient: ReplicaClient {
    let base: FileReplicaClient
    let failing = Atomic<Bool>(false)
    let failedUploads = Atomic<Int>(0)

    init(root: String) { base = FileReplicaClient(root: root) }

    var type: String { base.type }
    var location: String { base.location }

    private func check() throws {
        if failing.load(ordering: .relaxed) {
            failedUploads.add(1, ordering: .relaxed)
            throw SwiftStreamError(.io, "store unreachable (test)")
        }
    }

    func generations() async throws -> [Generation] { try await base.generations() }
    func deleteGeneration(_ generation: Generation) async throws { try await base.deleteGeneration(generation) }
    func snapshots(in generation: Generation) async throws -> [SnapshotInfo] {
        try await base.snapshots(in: generation)
    }
    func writeSnapshot(
        _ generation: Generation, index: Int, produce: (_ sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Void
    ) async throws -> SnapshotInfo {
        try check()
        return try await base.writeSnapshot(generation, index: index, produce: produce)
    }
    func deleteSnapshot(_ generation: Generation, index: Int) async throws {
        try await base.deleteSnapshot(generation, index: index)
    }
    func readSnapshot(
        _ generation: Generation, index: Int, chunk: (UnsafeRawBufferPointer) throws -> Void
    ) async throws { try await base.readSnapshot(generation, index: index, chunk: chunk) }
    func walSegments(in generation: Generation) async throws -> [WALSegmentInfo] {
        try await base.walSegments(in: generation)
    }
    func writeWALSegment(at position: WALPosition, compressed: [UInt8]) async throws -> WALSegmentInfo {
        try check()
        return try await base.writeWALSegment(at: position, compressed: compressed)
    }
    func deleteWALSegments(_ positions: [WALPosition]) async throws { try await base.deleteWALSegments(positions) }
    func walSegment(at position: WALPosition) async throws -> [UInt8] { try await base.walSegment(at: position) }
}

@Suite("Replica retries", .serialized)
struct ReplicaRetryTests {
    /// A round that failed is retried at the next sync interval even when the database reports
    /// no further change (one commit during an outage, then an idle application and no
    /// checkpoint). Litestream v0.3.13 waits for the next change notification instead.
    @Test func failedRoundIsRetriedWithoutAChange() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let databasePath = directory.path + "/app.db"
        let app = try AppWriter(path: databasePath)
        let client = OutageReplicaClient(root: directory.path + "/replica")
        let logs = LogRecorder()
        let database = replicatingDatabase(
            databasePath, to: client, settings: fastSettings(minCheckpointPages: 100_000), logs: logs)
        try await withRunningDatabase(database) {
            try await app.write(batches: 3)
            try await waitUntil("replica catches up") { try await database.replicasCaughtUp() }
            client.failing.store(true, ordering: .relaxed)
            try app.insert()
            try await waitUntil("an upload failed") { !logs.messages("monitor error").isEmpty }
            try await waitUntil("the failed round was retried during the outage") {
                client.failedUploads.load(ordering: .relaxed) >= 2
            }
            client.failing.store(false, ordering: .relaxed)
            try await waitUntil("replica catches up without a new write", timeout: .seconds(5)) {
                try await database.replicasCaughtUp()
            }
        }
        #expect(client.failedUploads.load(ordering: .relaxed) >= 2, "the failed round was retried during the outage")
    }

    /// Issue 14, point 2: the replica's position points into a shadow file that is gone while
    /// later ones exist (cleaned up, or lost in a crash). The round snapshots at the current
    /// index instead of failing on the missing file at every round.
    @Test func positionInADeletedShadowFileSnapshotsAnew() async throws {
        let (directory, databasePath, replicaRoot, app, client) = try fileReplicaScenario()
        defer { directory.remove() }
        let logs = LogRecorder()
        // Every DB sync checkpoints, so each one starts the next shadow index.
        let database = replicatingDatabase(
            databasePath, to: client, settings: fastSettings(minCheckpointPages: 1), logs: logs)
        try await database.open()
        let replica = try #require(database.replicas.first)
        try app.insert()
        try await database.sync()
        try await replica.sync(database: database)
        let reached = try #require(await replica.currentPosition)
        for _ in 0..<3 {
            try app.insert()
            try await database.sync()
        }
        #expect(try #require(try await database.position()).index > reached.index)
        try FileIO.remove(database.shadowWALPath(reached.generation, index: reached.index))

        try await replica.sync(database: database)
        #expect(try await database.replicasCaughtUp())
        let warning = try #require(logs.messages("replica: position behind the local shadow wal, new snapshot").first)
        #expect(warning.level == .warning)
        let listing = try await ReplicaListing(client)
        #expect(listing.generations == [reached.generation])
        #expect(listing.snapshots.count == 2)
        try await database.close()

        try await expectLitestreamRestoreMatches(app, replica: replicaRoot, in: directory)
    }

    /// Issue 14, point 2: the replica's last segment cannot be decompressed (written while the
    /// daemon was stopped). The next start does not fail every round: it starts a new
    /// generation, which both restores pick.
    @Test func corruptLastSegmentStartsANewGeneration() async throws {
        let (directory, databasePath, replicaRoot, app, client) = try fileReplicaScenario()
        defer { directory.remove() }
        let logs = LogRecorder()
        let first = replicatingDatabase(databasePath, to: client, logs: logs)
        try await withRunningDatabase(first) {
            try await app.write(batches: 3)
            try await waitUntil("replica catches up") { try await first.replicasCaughtUp() }
        }
        let before = try await ReplicaListing(client)
        let last = try #require(before.segments.max { ($0.index, $0.offset) < ($1.index, $1.offset) })
        let segmentPath =
            replicaRoot + "/" + ReplicaPaths.wal(last.generation) + "/"
            + ReplicaPaths.walSegmentName(index: last.index, offset: last.offset)
        try FileIO.write(Array("not an lz4 frame".utf8), to: segmentPath)

        let second = replicatingDatabase(databasePath, to: client, logs: logs)
        try await withRunningDatabase(second) {
            // After initialisation: a write before it would restart the back-filled WAL and
            // start a new generation for that reason instead.
            try await waitUntil("initialised") { await second.pageSize != nil }
            try app.insert()
            try await waitUntil("replica catches up", timeout: .seconds(10)) { try await second.replicasCaughtUp() }
        }
        #expect(
            logs.messages("replica: last wal segment unreadable, starting a new generation").first?.level == .warning)
        let after = try await ReplicaListing(client)
        #expect(after.generations.count == 2)

        try await expectLitestreamRestoreMatches(app, replica: replicaRoot, in: directory)
    }

    /// Issue 14, point 3: during an outage the shadow WAL stops growing past
    /// `shadowWALBacklogLimit`: ERROR once, the read lock is released (the application can
    /// checkpoint and reset its WAL), and once the store answers a new generation starts.
    @Test func shadowWALBacklogLimitReleasesTheWALUntilTheStoreAnswers() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let databasePath = directory.path + "/app.db"
        let replicaRoot = directory.path + "/replica"
        let app = try AppWriter(path: databasePath)
        let client = OutageReplicaClient(root: replicaRoot)
        let logs = LogRecorder()
        var settings = fastSettings(minCheckpointPages: 100_000)
        settings.shadowWALBacklogLimit = 64 << 10
        let database = replicatingDatabase(databasePath, to: client, settings: settings, logs: logs)
        let limitMessage =
            "shadow wal backlog limit exceeded, releasing the wal; a new generation starts when the replica uploads again"
        try await withRunningDatabase(database) {
            try await app.write(batches: 3)
            try await waitUntil("replica catches up") { try await database.replicasCaughtUp() }
            let before = try #require(try await database.position())
            client.failing.store(true, ordering: .relaxed)
            try app.insert(rows: 200)
            try await waitUntil("the backlog limit is reached") { !logs.messages(limitMessage).isEmpty }
            let frozen = try #require(try await database.position())
            #expect(frozen.generation == before.generation)

            // Nothing holds the WAL any more: the application truncates it.
            let result = try app.connection.checkpoint("TRUNCATE")
            #expect(result.busy == 0)
            #expect(try FileIO.fileStatus(databasePath + "-wal")?.st_size == 0)
            try app.insert(rows: 20)
            try await waitUntil("uploads were retried") { client.failedUploads.load(ordering: .relaxed) >= 3 }
            #expect(try await database.position() == frozen, "the shadow WAL no longer grows")
            #expect(logs.messages(limitMessage).count == 1)

            client.failing.store(false, ordering: .relaxed)
            try await waitUntil("replica catches up in a new generation", timeout: .seconds(10)) {
                let generation = try await database.position()?.generation
                guard generation != before.generation else { return false }
                return try await database.replicasCaughtUp()
            }
        }
        #expect(logs.messages(limitMessage).first?.level == .error)
        #expect(logs.messages("sync: new generation").last?.metadata["reason"] == "shadow wal backlog limit exceeded")
        let listing = try await ReplicaListing(client.base)
        #expect(listing.generations.count == 2)

        try await expectLitestreamRestoreMatches(app, replica: replicaRoot, in: directory)
    }
}
