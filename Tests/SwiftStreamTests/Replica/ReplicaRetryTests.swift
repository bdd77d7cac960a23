import Logging
import PeerTestSupport
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
}
