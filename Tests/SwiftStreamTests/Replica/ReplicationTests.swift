import Foundation
import Logging
import PeerTestSupport
import SwiftStreamSystem
import Testing
@testable import SwiftStream

@Suite("Replication", .serialized, .requiresPeer("litestream", PeerBinaries.litestream))
struct ReplicationTests {
    /// Checks the replica layout: snapshot first, every index starts at offset 0 with a WAL
    /// header, offsets are contiguous (next = previous + decompressed length), frames aligned.
    func checkSegments(_ client: FileReplicaClient, generation: Generation, pageSize: Int) async throws {
        let segments = try await client.walSegments(in: generation)
        let frameSize = WAL.frameHeaderSize + pageSize
        var expected: [Int: Int] = [:]
        for segment in segments {
            let bytes = try LZ4Frame.decompress(try await client.walSegment(at: segment.position))
            let next = expected[segment.index] ?? 0
            #expect(segment.offset == next, "segment \(segment.position) expected at offset \(next)")
            if segment.offset == 0 {
                #expect(bytes.count >= WAL.headerSize)
                _ = try WALHeader(Array(bytes.prefix(WAL.headerSize)))
                #expect((bytes.count - WAL.headerSize) % frameSize == 0)
            } else {
                #expect(bytes.count % frameSize == 0 && bytes.count > 0)
                #expect((segment.offset - WAL.headerSize) % frameSize == 0)
            }
            expected[segment.index] = segment.offset + bytes.count
        }
    }

    @Test func replicatesConcurrentWritesAndLitestreamRestoresThem() async throws {
        let (directory, databasePath, replicaRoot, app, client) = try fileReplicaScenario()
        defer { directory.remove() }
        let logs = LogRecorder()
        let database = replicatingDatabase(
            databasePath, to: client, settings: fastSettings(minCheckpointPages: 20), logs: logs)

        try await withRunningDatabase(database) {
            try await waitUntil("first snapshot") { try await !ReplicaListing(client).snapshots.isEmpty }
            try await app.write(batches: 60)
            try await waitUntil("replica catches up") { try await database.replicasCaughtUp() }
        }

        // Local meta directory.
        let metaPath = directory.path + "/.app.db-litestream"
        let generationText = String(decoding: try FileIO.readAll(metaPath + "/generation"), as: UTF8.self)
        #expect(generationText.count == 17 && generationText.hasSuffix("\n"))
        let generation = try #require(Generation(String(generationText.dropLast())))
        let shadows = try FileIO.listDirectory(metaPath + "/generations/\(generation.id)/wal").map(\.name)
        #expect(!shadows.isEmpty && shadows.allSatisfy { ShadowWAL.parseFileName($0) != nil })
        #expect(logs.messages("sync: new generation").first?.metadata["reason"] == "no generation exists")

        // Replica layout.
        let listing = try await ReplicaListing(client)
        #expect(listing.generations == [generation])
        #expect(listing.snapshots.map(\.index).contains(0))
        #expect(listing.segments.contains { $0.index >= 1 }, "a checkpoint should have started index 1")
        try await checkSegments(client, generation: generation, pageSize: 4096)
        let firstSnapshot = try #require(listing.snapshots.min { $0.createdAt < $1.createdAt })
        let firstSegment = try #require(listing.segments.min { $0.createdAt < $1.createdAt })
        #expect(firstSnapshot.createdAt <= firstSegment.createdAt)

        // The real Litestream restores what the application wrote.
        let restored = try await litestreamRestore(replica: replicaRoot, in: directory)
        #expect(try contentDigest(path: restored) == app.digest())
        #expect(try SQLiteConnection(path: restored, readOnly: true).integrityCheck() == "ok")
    }

    @Test func finalSyncUploadsEverythingWrittenBeforeClose() async throws {
        let (directory, databasePath, replicaRoot, app, client) = try fileReplicaScenario()
        defer { directory.remove() }
        var replicaSettings = fastReplicaSettings()
        replicaSettings.syncInterval = .seconds(3600)  // only the first round and the final sync
        let database = replicatingDatabase(databasePath, to: client, replicaSettings: replicaSettings)

        try await withRunningDatabase(database) {
            try await waitUntil("first snapshot") { try await !ReplicaListing(client).snapshots.isEmpty }
            try app.insert(rows: 50)
        }
        let restored = try await litestreamRestore(replica: replicaRoot, in: directory)
        #expect(try contentDigest(path: restored) == app.digest())
    }

    @Test func newGenerationWhenWALIsTruncatedWhileStopped() async throws {
        let (directory, databasePath, replicaRoot, app, client) = try fileReplicaScenario()
        defer { directory.remove() }
        let logs = LogRecorder()
        func makeDatabase() -> Database {
            replicatingDatabase(databasePath, to: client, logs: logs)
        }

        let first = makeDatabase()
        try await withRunningDatabase(first) {
            try app.insert(rows: 20)
            try await waitUntil("replica catches up") { try await first.replicasCaughtUp() }
        }
        let before = try await ReplicaListing(client).generations
        #expect(before.count == 1)

        // While the daemon is down the application checkpoints and truncates the WAL, then writes.
        let result = try app.connection.checkpoint("TRUNCATE")
        #expect(result.busy == 0)
        try app.insert(rows: 10)

        let second = makeDatabase()
        try await withRunningDatabase(second) {
            try app.insert(rows: 10)
            try await waitUntil("replica catches up") { try await second.replicasCaughtUp() }
        }
        let after = try await ReplicaListing(client).generations
        #expect(after.count == 2)
        #expect(logs.messages("init: cannot determine last wal position, clearing generation").count == 1)
        #expect(logs.messages("sync: new generation").count == 2)

        let restored = try await litestreamRestore(replica: replicaRoot, in: directory)
        #expect(try contentDigest(path: restored) == app.digest())
        #expect(try SQLiteConnection(path: restored, readOnly: true).integrityCheck() == "ok")
    }

    @Test func restartContinuesSameGenerationWithoutNewSnapshot() async throws {
        let (directory, databasePath, replicaRoot, app, client) = try fileReplicaScenario()
        defer { directory.remove() }
        let logs = LogRecorder()
        func makeDatabase() -> Database {
            replicatingDatabase(databasePath, to: client, logs: logs)
        }
        let first = makeDatabase()
        try await withRunningDatabase(first) {
            try app.insert(rows: 20)
            try await waitUntil("replica catches up") { try await first.replicasCaughtUp() }
        }
        let before = try await ReplicaListing(client)

        // Writes made after the restart: the snapshot's checkpoint back-filled the whole WAL, so a
        // write made before the daemon is up would restart the WAL and force a new generation.
        let second = makeDatabase()
        try await withRunningDatabase(second) {
            try await waitUntil("initialised") { await second.pageSize != nil }
            try app.insert(rows: 2)
            try await waitUntil("replica catches up") { try await second.replicasCaughtUp() }
        }
        let after = try await ReplicaListing(client)
        #expect(after.generations == before.generations)
        #expect(after.snapshots.map(\.index) == before.snapshots.map(\.index))
        #expect(after.segments.count > before.segments.count)
        #expect(logs.messages("sync: new generation").count == 1)
        #expect(logs.messages("write snapshot").count == 1)

        let restored = try await litestreamRestore(replica: replicaRoot, in: directory)
        #expect(try contentDigest(path: restored) == app.digest())
    }

    /// Retention snapshots at index 1 while the replica still has the tail of index 0 to upload:
    /// that tail must not be uploaded below the only snapshot left (Litestream's restore rejects
    /// a segment that starts past offset 0 there).
    @Test func retentionWhileAnEarlierIndexIsUnfinishedLeavesNoSegmentBelowTheSnapshot() async throws {
        let (directory, databasePath, replicaRoot, app, client) = try fileReplicaScenario()
        defer { directory.remove() }
        var replicaSettings = fastReplicaSettings()
        replicaSettings.retention = .nanoseconds(1)
        let database = replicatingDatabase(
            databasePath, to: client, settings: fastSettings(minCheckpointPages: 1), replicaSettings: replicaSettings)
        let replica = try #require(database.replicas.first)
        try app.insert(rows: 2)
        try await database.open()
        try await database.sync()
        try await replica.sync(database: database)  // the replica is in index 0
        try app.insert(rows: 3)
        try await database.sync()  // more of index 0 in the shadow WAL, and a checkpoint
        try app.insert(rows: 3)
        try await database.sync()  // the application restarted the WAL: index 1
        let position = try #require(try await database.position())
        try #require(position.index >= 1)
        let replicaPosition = await replica.currentPosition
        #expect(
            replicaPosition.map { $0.index < position.index } == true,
            "\(String(describing: replicaPosition)) \(position)")

        try await replica.enforceRetention(database: database)  // snapshot at index 1, index 0 deleted
        try await replica.sync(database: database)
        try await database.close()

        let listing = try await ReplicaListing(client)
        let lowest = try #require(listing.snapshots.map(\.index).min())
        #expect(lowest >= 1)
        #expect(listing.segments.allSatisfy { $0.index >= lowest }, "\(listing.segments)")
        let restored = try await litestreamRestore(replica: replicaRoot, in: directory)
        #expect(try contentDigest(path: restored) == app.digest())
    }

    @Test func retentionDeletesOldSnapshotsAndSegments() async throws {
        let (directory, databasePath, replicaRoot, app, client) = try fileReplicaScenario()
        defer { directory.remove() }
        var replicaSettings = fastReplicaSettings()
        replicaSettings.retention = .milliseconds(600)
        replicaSettings.retentionCheckInterval = .milliseconds(200)
        replicaSettings.snapshotInterval = .milliseconds(250)
        let logs = LogRecorder()
        let database = replicatingDatabase(
            databasePath, to: client, settings: fastSettings(minCheckpointPages: 8), replicaSettings: replicaSettings,
            logs: logs)

        try await withRunningDatabase(database) {
            try await waitUntil("old snapshots and segments deleted") {
                try app.insert(rows: 4)
                let listing = try await ReplicaListing(client)
                guard let lowest = listing.snapshots.map(\.index).min(), lowest > 0 else { return false }
                return !logs.messages("wal segmented deleted before").isEmpty
            }
            try await waitUntil("replica catches up") { try await database.replicasCaughtUp() }
        }
        let listing = try await ReplicaListing(client)
        let lowest = try #require(listing.snapshots.map(\.index).min())
        #expect(listing.segments.allSatisfy { $0.index >= lowest })
        #expect(!logs.messages("snapshot deleted").isEmpty)
        let restored = try await litestreamRestore(replica: replicaRoot, in: directory)
        #expect(try contentDigest(path: restored) == app.digest())
        #expect(try SQLiteConnection(path: restored, readOnly: true).integrityCheck() == "ok")
    }

    @Test func frequentCheckpointsUnderConcurrentWritesRestoreExactly() async throws {
        let (directory, databasePath, replicaRoot, app, client) = try fileReplicaScenario()
        defer { directory.remove() }
        var settings = fastSettings(minCheckpointPages: 4)
        settings.monitorInterval = .milliseconds(10)
        var replicaSettings = fastReplicaSettings()
        replicaSettings.syncInterval = .milliseconds(10)
        replicaSettings.snapshotInterval = .milliseconds(150)
        let logs = LogRecorder()
        let database = replicatingDatabase(
            databasePath, to: client, settings: settings, replicaSettings: replicaSettings, logs: logs)

        try await withRunningDatabase(database) {
            // Two writers race the checkpoints: the app's own connection and a second one.
            let other = try AppWriter(path: databasePath)
            async let first: Void = app.write(batches: 150, rows: 2, pause: .milliseconds(1))
            async let second: Void = other.write(batches: 150, rows: 1, pause: .milliseconds(2))
            _ = try await (first, second)
            try await waitUntil("replica catches up") { try await database.replicasCaughtUp() }
        }
        #expect(logs.messages("sync error").isEmpty, "\(logs.messages("sync error").map(\.metadata))")
        #expect(logs.messages("monitor error").isEmpty, "\(logs.messages("monitor error").map(\.metadata))")
        let listing = try await ReplicaListing(client)
        #expect(listing.generations.count == 1)
        #expect(Set(listing.segments.map(\.index)).count > 5)
        try await checkSegments(client, generation: listing.generations[0], pageSize: 4096)
        let restored = try await litestreamRestore(replica: replicaRoot, in: directory)
        #expect(try contentDigest(path: restored) == app.digest())
        #expect(try SQLiteConnection(path: restored, readOnly: true).integrityCheck() == "ok")
    }

    @Test func checkpointIntervalStartsNewIndexWhenTheDatabaseFileIsOld() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let databasePath = directory.path + "/app.db"
        let app = try AppWriter(path: databasePath)
        let client = FileReplicaClient(root: directory.path + "/replica")
        var settings = fastSettings()
        settings.checkpointInterval = .milliseconds(300)
        let database = replicatingDatabase(databasePath, to: client, settings: settings)
        try await withRunningDatabase(database) {
            try app.insert(rows: 3)
            try await waitUntil("index 1") { try await database.position()?.index ?? 0 >= 1 }
            try await waitUntil("replica catches up") { try await database.replicasCaughtUp() }
        }
        #expect(try await ReplicaListing(client).segments.contains { $0.index == 1 && $0.offset == 0 })
    }
}
