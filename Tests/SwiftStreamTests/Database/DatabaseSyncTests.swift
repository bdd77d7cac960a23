import Foundation
import SwiftStreamSystem
import Testing
@testable import SwiftStream

/// DB sync (real WAL → shadow WAL) driven by hand, without the monitor loop.
@Suite("Database sync", .serialized)
struct DatabaseSyncTests {
    @Test func newGenerationReasons() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let databasePath = directory.path + "/app.db"
        let app = try AppWriter(path: databasePath)
        try app.insert(rows: 3)
        let logs = LogRecorder()
        let database = Database(path: databasePath, settings: fastSettings(), replicas: [], logger: logs.logger())
        try await database.open()

        func reasons() -> [String] {
            logs.messages("sync: new generation").compactMap { $0.metadata["reason"].map { "\($0)" } }
        }
        func shadow() async throws -> (path: String, size: Int) {
            let position = try #require(try await database.position())
            return (database.shadowWALPath(position.generation, index: position.index), position.offset)
        }
        func rewrite(_ path: String, _ edit: (inout [UInt8]) -> Void) throws {
            var bytes = try FileIO.readAll(path)
            edit(&bytes)
            try FileIO.remove(path)
            try FileIO.write(bytes, to: path)
        }

        try await database.sync()
        #expect(reasons() == ["no generation exists"])
        // Only committed frames are copied; the shadow is a prefix of the real WAL.
        let (first, firstSize) = try await shadow()
        let real = try FileIO.readAll(databasePath + "-wal")
        #expect(Array(real.prefix(firstSize)) == (try FileIO.readAll(first)))

        try app.insert(rows: 2)
        try await database.sync()
        try rewrite(try await shadow().path) { $0 = Array($0.prefix(10)) }
        try await database.sync()
        #expect(reasons().last == "short shadow wal")

        try FileIO.remove(try await shadow().path)
        try await database.sync()
        #expect(reasons().last == "no shadow wal")

        try app.insert(rows: 2)
        try await database.sync()
        try rewrite(try await shadow().path) { $0 += [UInt8](repeating: 0, count: 10 * (24 + 4096)) }
        try await database.sync()
        #expect(reasons().last == "wal truncated by another process")

        try app.insert(rows: 2)
        try await database.sync()
        try rewrite(try await shadow().path) { $0[$0.count - 10] ^= 0xFF }
        try await database.sync()
        #expect(reasons().last == "wal overwritten by another process")

        try rewrite(try await shadow().path) {
            $0 = Array($0.prefix(32))
            $0[17] ^= 0xFF
        }
        try await database.sync()
        #expect(reasons().last == "wal header only, mismatched")
        #expect(reasons().count == 6)

        // Continuity holds now: further syncs extend the same generation.
        let generation = try #require(try await database.position()?.generation)
        try app.insert(rows: 2)
        try await database.sync()
        #expect(try await database.position()?.generation == generation)
        #expect(reasons().count == 6)
        try await database.close()
    }

    /// After a checkpoint that restarted the WAL, our read lock must not sit on read-mark slot 0:
    /// a reader there blocks every back-fill, and the application's auto-checkpoint then sorts
    /// the whole WAL after each of its commits for nothing. The application may back-fill up to
    /// our mark, and not beyond it (the WAL must not restart under us).
    @Test func readLockAfterCheckpointLetsTheAppBackfillUpToItsMark() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let databasePath = directory.path + "/app.db"
        let app = try AppWriter(path: databasePath)
        try app.insert(rows: 20)
        let database = Database(
            path: databasePath, settings: fastSettings(minCheckpointPages: 1), replicas: [],
            logger: LogRecorder().logger())
        try await database.open()
        try await database.sync()
        let before = try #require(try await database.position()).index
        try app.insert(rows: 10)
        try await database.sync()
        #expect(try await database.position()?.index == before + 1, "the checkpoint restarted the WAL")

        try app.insert(rows: 10)
        let result = try app.connection.checkpoint("PASSIVE")
        #expect(result.checkpointed > 0, "nothing back-filled: our reader blocks the app's checkpoints")
        #expect(result.checkpointed < result.log, "back-filled past our read mark")
        try await database.close()
    }

    @Test func missingDatabaseFileIsLoggedOnceAtInfo() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let databasePath = directory.path + "/app.db"
        let logs = LogRecorder()
        let database = Database(path: databasePath, settings: fastSettings(), replicas: [], logger: logs.logger())
        try await database.open()
        for _ in 0..<3 { try await database.sync() }  // three monitor ticks before the file appears

        let waiting = logs.messages("waiting for database file")
        #expect(waiting.count == 1)
        #expect(waiting.first?.level == .info)
        #expect(waiting.first?.metadata["db"] == "\(databasePath)")

        let app = try AppWriter(path: databasePath)
        try app.insert(rows: 1)
        try await database.sync()
        #expect(logs.messages("sync: new generation").count == 1)
        #expect(logs.messages("waiting for database file").count == 1)
        try await database.close()
    }

    @Test func openRejectsInvalidSettings() async throws {
        var settings = DatabaseSettings()
        settings.minCheckpointPageCount = 0
        let database = Database(path: "/tmp/none.db", settings: settings, replicas: [], logger: LogRecorder().logger())
        await #expect(throws: SwiftStreamError.self) { try await database.open() }

        let client = FileReplicaClient(root: "/tmp/none")
        let duplicate = Database(
            path: "/tmp/none.db",
            replicas: [
                (name: "file", client: client, settings: ReplicaSettings()),
                (name: "file", client: client, settings: ReplicaSettings()),
            ], logger: LogRecorder().logger())
        let error = await #expect(throws: SwiftStreamError.self) { try await duplicate.open() }
        #expect(error?.message == "duplicate replica name: \"file\"")
    }

    /// Issue 14, point 1: only a missing `generation` file means "no generation". A file that
    /// cannot be read (here a directory in its place: read(2) fails with EISDIR) fails the sync
    /// with an error naming it, at every sync and at a restart, and never starts a new
    /// generation; once it is readable again replication continues in the same generation.
    @Test func unreadableGenerationFileFailsTheSyncWithoutANewGeneration() async throws {
        let (directory, databasePath, replicaRoot, app, client) = try fileReplicaScenario()
        defer { directory.remove() }
        try app.insert(rows: 3)
        let logs = LogRecorder()
        var database = replicatingDatabase(databasePath, to: client, logs: logs)
        try await database.open()
        try await database.sync()
        let replica = try #require(database.replicas.first)
        try await replica.sync(database: database)
        let generation = try #require(try await database.position()?.generation)
        let generationFile = database.generationFilePath
        let metaPath = database.metaPath
        let saved = try FileIO.readAll(generationFile)

        func makeUnreadable() throws {
            try FileIO.remove(generationFile)
            try FileIO.makeDirectories(generationFile)
        }
        func expectReadFailure(_ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation)
            async
        {
            let error = await #expect(throws: (any Error).self, sourceLocation: sourceLocation) { try await body() }
            #expect("\(error.map { "\($0)" } ?? "")".contains(generationFile), sourceLocation: sourceLocation)
        }
        func expectSameGeneration(sourceLocation: SourceLocation = #_sourceLocation) async throws {
            let local = try FileIO.listDirectory(metaPath + "/generations").map(\.name)
            #expect(local == [generation.id], sourceLocation: sourceLocation)
            let listing = try await ReplicaListing(client)
            #expect(listing.generations == [generation], sourceLocation: sourceLocation)
            #expect(listing.snapshots.count == 1, sourceLocation: sourceLocation)
            #expect(logs.messages("sync: new generation").count == 1, sourceLocation: sourceLocation)
        }

        try makeUnreadable()
        try app.insert(rows: 2)
        await expectReadFailure { try await database.sync() }
        await expectReadFailure { try await database.sync() }
        await expectReadFailure { try await replica.sync(database: database) }
        try await expectSameGeneration()

        // Restored: the next sync continues the generation.
        try FileIO.removeTree(generationFile)
        try FileIO.write(saved, to: generationFile)
        try await database.sync()
        try await replica.sync(database: database)
        #expect(try await database.position()?.generation == generation)
        try await expectSameGeneration()
        try await database.close()

        // At a restart (initialisation compares the WAL headers of the current generation).
        try makeUnreadable()
        try app.insert(rows: 2)
        database = replicatingDatabase(databasePath, to: client, logs: logs)
        try await database.open()
        await expectReadFailure { try await database.sync() }
        try await expectSameGeneration()
        try FileIO.removeTree(generationFile)
        try FileIO.write(saved, to: generationFile)
        try await database.sync()
        let restarted = try #require(database.replicas.first)
        try await restarted.sync(database: database)
        #expect(try await database.replicasCaughtUp())
        try await expectSameGeneration()
        try await database.close()

        try await expectLitestreamRestoreMatches(app, replica: replicaRoot, in: directory)
    }
}
