import Foundation
import Logging
import PeerTestSupport
import SwiftStreamSystem
import Testing
@testable import SwiftStream

/// Round trips of the local meta directory and the replica between swiftstream and the real
/// Litestream v0.3.13 (README checklist item 18).
@Suite("Litestream interop", .serialized, .requiresPeer("litestream", PeerBinaries.litestream))
struct LitestreamInteropTests {
    /// Starts `litestream replicate` on `databasePath` with a file replica at `replicaRoot`.
    func startLitestream(
        databasePath: String, replicaRoot: String, in directory: TemporaryDirectory
    ) throws -> ChildProcessForTests {
        let binary = try PeerBinaries.litestream()
        let config = directory.path + "/litestream.yml"
        let yaml = """
            dbs:
              - path: \(databasePath)
                monitor-interval: 100ms
                checkpoint-interval: 0s
                replicas:
                  - type: file
                    path: \(replicaRoot)
                    sync-interval: 100ms
            """
        try FileOwnership.writeTestFile(config, yaml)
        return try ChildProcessForTests.spawn(
            [binary, "replicate", "-config", config], logPath: directory.path + "/litestream.log")
    }

    /// SIGTERM (final sync) and wait for exit 0.
    func stop(_ litestream: ChildProcessForTests) async throws {
        litestream.signal(SIGTERM)
        let status = try await litestream.wait()
        if status == nil { litestream.signal(SIGKILL) }
        #expect(status == 0, "litestream exit status \(String(describing: status)): \(litestream.log)")
    }

    @Test func swiftstreamContinuesWhatLitestreamLeftBehind() async throws {
        let (directory, databasePath, replicaRoot, app, client) = try fileReplicaScenario()
        defer { directory.remove() }
        try app.insert(rows: 20)

        let litestream = try startLitestream(databasePath: databasePath, replicaRoot: replicaRoot, in: directory)
        do {
            try await waitUntil("litestream snapshot") { try await !ReplicaListing(client).snapshots.isEmpty }
            let uploaded = try await ReplicaListing(client).segments.count
            try app.insert(rows: 10)
            try await waitUntil("litestream uploads") { try await ReplicaListing(client).segments.count > uploaded }
        } catch {
            litestream.signal(SIGKILL)
            _ = try await litestream.wait()
            throw error
        }
        try await stop(litestream)
        let before = try await ReplicaListing(client)
        let generationFile = try FileIO.readAll(directory.path + "/.app.db-litestream/generation")
        #expect(before.generations.count == 1)

        let logs = LogRecorder()
        let database = replicatingDatabase(databasePath, to: client, logs: logs)
        try await withRunningDatabase(database) {
            try await waitUntil("initialised") { await database.pageSize != nil }
            try app.insert(rows: 3)
            try await waitUntil("replica catches up") { try await database.replicasCaughtUp() }
        }
        let after = try await ReplicaListing(client)
        #expect(try FileIO.readAll(directory.path + "/.app.db-litestream/generation") == generationFile)
        #expect(after.generations == before.generations)
        #expect(after.snapshots == before.snapshots, "no new snapshot")
        #expect(after.segments.count > before.segments.count, "new segments appended")
        #expect(logs.messages("sync: new generation").isEmpty)
        #expect(logs.messages("init: cannot determine last wal position, clearing generation").isEmpty)
        #expect(logs.messages("write snapshot").isEmpty)

        let restored = try await litestreamRestore(replica: replicaRoot, in: directory)
        #expect(try contentDigest(path: restored) == app.digest())
        #expect(try SQLiteConnection(path: restored, readOnly: true).integrityCheck() == "ok")
    }

    @Test func litestreamContinuesWhatSwiftstreamLeftBehind() async throws {
        let (directory, databasePath, replicaRoot, app, client) = try fileReplicaScenario()
        defer { directory.remove() }

        let database = replicatingDatabase(databasePath, to: client)
        try await withRunningDatabase(database) {
            try await waitUntil("first snapshot") { try await !ReplicaListing(client).snapshots.isEmpty }
            try app.insert(rows: 20)
            try await waitUntil("replica catches up") { try await database.replicasCaughtUp() }
        }
        let before = try await ReplicaListing(client)
        let generationFile = try FileIO.readAll(directory.path + "/.app.db-litestream/generation")

        let litestream = try startLitestream(databasePath: databasePath, replicaRoot: replicaRoot, in: directory)
        do {
            // Litestream initialises on its first monitor tick; a write after that is uploaded.
            try await waitUntil("litestream uploads") {
                try app.insert(rows: 1)
                return try await ReplicaListing(client).segments.count > before.segments.count
            }
        } catch {
            litestream.signal(SIGKILL)
            _ = try await litestream.wait()
            throw error
        }
        try await stop(litestream)
        let after = try await ReplicaListing(client)
        let log = litestream.log
        #expect(!log.contains("new generation"), "\(log)")
        #expect(!log.contains("clearing generation"), "\(log)")
        #expect(try FileIO.readAll(directory.path + "/.app.db-litestream/generation") == generationFile)
        #expect(after.generations == before.generations)
        #expect(after.snapshots == before.snapshots, "no new snapshot")

        let restored = try await litestreamRestore(replica: replicaRoot, in: directory)
        #expect(try contentDigest(path: restored) == app.digest())
        #expect(try SQLiteConnection(path: restored, readOnly: true).integrityCheck() == "ok")
    }
}

extension FileOwnership {
    static func writeTestFile(_ path: String, _ text: String) throws {
        try FileIO.write(Array(text.utf8), to: path)
    }
}
