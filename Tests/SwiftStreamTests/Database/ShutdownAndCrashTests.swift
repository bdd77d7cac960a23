import Foundation
import Logging
import PeerTestSupport
import SwiftStreamSystem
import Synchronization
import SystemPackage
import Testing
@testable import SwiftStream

/// A file replica whose WAL segment uploads can be slowed down (cancellable).
struct SlowReplicaClient: ReplicaClient {
    let base: FileReplicaClient

    /// Mutex is not copyable; the struct shares it through a class.
    final class Box: Sendable {
        let delay = Mutex<Duration>(.zero)
    }
    let box = Box()

    init(base: FileReplicaClient) { self.base = base }

    var type: String { base.type }
    var location: String { base.location }
    func generations() async throws -> [Generation] { try await base.generations() }
    func deleteGeneration(_ generation: Generation) async throws { try await base.deleteGeneration(generation) }
    func snapshots(in generation: Generation) async throws -> [SnapshotInfo] {
        try await base.snapshots(in: generation)
    }
    func writeSnapshot(
        _ generation: Generation, index: Int,
        produce: (_ sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Void
    ) async throws -> SnapshotInfo {
        try await base.writeSnapshot(generation, index: index, produce: produce)
    }
    func deleteSnapshot(_ generation: Generation, index: Int) async throws {
        try await base.deleteSnapshot(generation, index: index)
    }
    func readSnapshot(
        _ generation: Generation, index: Int, chunk: (UnsafeRawBufferPointer) throws -> Void
    ) async throws {
        try await base.readSnapshot(generation, index: index, chunk: chunk)
    }
    func walSegments(in generation: Generation) async throws -> [WALSegmentInfo] {
        try await base.walSegments(in: generation)
    }
    func writeWALSegment(at position: WALPosition, compressed: [UInt8]) async throws -> WALSegmentInfo {
        let delay = box.delay.withLock { $0 }
        if delay > .zero { try await Task.sleep(for: delay) }  // the point: a slow store
        return try await base.writeWALSegment(at: position, compressed: compressed)
    }
    func deleteWALSegments(_ positions: [WALPosition]) async throws { try await base.deleteWALSegments(positions) }
    func walSegment(at position: WALPosition) async throws -> [UInt8] { try await base.walSegment(at: position) }
}

@Suite("Shutdown and crash recovery", .serialized, .requiresPeer("litestream", PeerBinaries.litestream))
struct ShutdownAndCrashTests {
    /// Runs `database` until its first round is uploaded, makes every further upload of `slow`
    /// take `delay`, commits rows, waits until they are in the shadow WAL (not in the replica) and
    /// stops the run: what is left is the final sync of `close`.
    private func stopWithPendingUpload(
        _ database: Database, slow: SlowReplicaClient, app: AppWriter, delay: Duration
    ) async throws {
        try await database.open()
        let runner = Task { try await database.run() }
        try await waitUntil("first round") { try await database.replicasCaughtUp() }
        slow.box.delay.withLock { $0 = delay }
        try app.insert(rows: 30)
        try await waitUntil("shadow WAL has the rows") {
            try await database.sync()
            return try await database.position() != database.replicaPositions().first ?? nil
        }
        runner.cancel()
        _ = await runner.result
    }

    private func rarelySyncingReplica() -> ReplicaSettings {
        var replicaSettings = fastReplicaSettings()
        replicaSettings.syncInterval = .seconds(3600)
        return replicaSettings
    }

    @Test func finalSyncIsBoundedAndTheRestIsUploadedAtNextStart() async throws {
        let (directory, databasePath, replicaRoot, app, base) = try fileReplicaScenario()
        defer { directory.remove() }
        let slow = SlowReplicaClient(base: base)
        let logs = LogRecorder()
        let database = replicatingDatabase(databasePath, to: slow, replicaSettings: rarelySyncingReplica(), logs: logs)
        try await stopWithPendingUpload(database, slow: slow, app: app, delay: .seconds(30))

        let clock = ContinuousClock()
        let began = clock.now
        await #expect(throws: SwiftStreamError.self) { try await database.close(timeout: .milliseconds(200)) }
        #expect(clock.now - began < .seconds(5))
        let incomplete = try #require(logs.messages("final sync incomplete").first)
        #expect(incomplete.metadata["replica"] == "file")

        // The shadow WAL stayed on disk: the next start uploads it into the same generation.
        let generations = try await base.generations()
        let next = replicatingDatabase(databasePath, to: base, logs: logs)
        try await withRunningDatabase(next) {
            try await waitUntil("replica catches up") { try await next.replicasCaughtUp() }
        }
        #expect(try await base.generations() == generations)
        let restored = try await litestreamRestore(replica: replicaRoot, in: directory)
        #expect(try contentDigest(path: restored) == app.digest())
    }

    @Test func finalSyncTimeoutZeroMeansNoBound() async throws {
        let (directory, databasePath, replicaRoot, app, base) = try fileReplicaScenario()
        defer { directory.remove() }
        let slow = SlowReplicaClient(base: base)
        var settings = fastSettings()
        settings.finalSyncTimeout = .zero
        let logs = LogRecorder()
        let database = replicatingDatabase(
            databasePath, to: slow, settings: settings, replicaSettings: rarelySyncingReplica(), logs: logs)
        try await stopWithPendingUpload(database, slow: slow, app: app, delay: .milliseconds(300))

        try await database.close()  // no bound: waits for the slow upload
        #expect(logs.messages("final sync incomplete").isEmpty)
        let restored = try await litestreamRestore(replica: replicaRoot, in: directory)
        #expect(try contentDigest(path: restored) == app.digest())
    }

    @Test func abandonedDaemonWithCrashLeftoversIsContinued() async throws {
        let (directory, databasePath, replicaRoot, app, client) = try fileReplicaScenario()
        defer { directory.remove() }
        let metaPath = directory.path + "/.app.db-litestream"
        let logs = LogRecorder()
        func makeDatabase() -> Database {
            replicatingDatabase(databasePath, to: client, logs: logs)
        }

        // A daemon that dies without its final sync or close (as with SIGKILL).
        do {
            let first = makeDatabase()
            try await first.open()
            let runner = Task { try await first.run() }
            try await waitUntil("first snapshot") { try await !ReplicaListing(client).snapshots.isEmpty }
            try app.insert(rows: 20)
            try await waitUntil("replica catches up") { try await first.replicasCaughtUp() }
            runner.cancel()
            _ = await runner.result
        }
        let generationText = String(decoding: try FileIO.readAll(metaPath + "/generation"), as: UTF8.self)
        let generation = try #require(Generation(String(generationText.dropLast())))

        // Leftovers of a kill in the middle of a copy: staging files and a torn frame.
        let shadow = metaPath + "/generations/\(generation.id)/wal/00000000.wal"
        try FileOwnership.writeTestFile(shadow + ".tmp", String(repeating: "x", count: 5000))
        try FileOwnership.writeTestFile(metaPath + "/generation.tmp", "0123456789abcdef\n")
        try FileDescriptor.withOpened(shadow, .writeOnly, options: .append) { descriptor in
            try Array(repeating: UInt8(0xAB), count: 1000).withUnsafeBytes { try descriptor.writeAll($0, path: shadow) }
        }
        try app.insert(rows: 5)

        let second = makeDatabase()
        try await withRunningDatabase(second) {
            try app.insert(rows: 5)
            try await waitUntil("replica catches up") { try await second.replicasCaughtUp() }
        }
        #expect(!FileIO.exists(shadow + ".tmp"))
        #expect(!FileIO.exists(metaPath + "/generation.tmp"))
        #expect(try await client.generations() == [generation])
        #expect(logs.messages("sync: new generation").count == 1)
        let restored = try await litestreamRestore(replica: replicaRoot, in: directory)
        #expect(try contentDigest(path: restored) == app.digest())
        #expect(try SQLiteConnection(path: restored, readOnly: true).integrityCheck() == "ok")
    }
}
