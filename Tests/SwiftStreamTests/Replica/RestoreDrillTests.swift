import Logging
import PeerTestSupport
import SwiftStreamSystem
import Testing

@testable import SwiftStream

/// The restore drill of `validation-interval` (replication.md §10).
@Suite("Restore drills", .serialized) struct RestoreDrillTests {
    @Test func crc64MatchesTheISOCheckValue() {
        var crc = CRC64()
        Array("123456789".utf8).withUnsafeBytes { crc.update($0) }
        #expect(crc.value == 0xB909_56C7_75A4_1001)
        #expect(CRC64.format(0xAB) == "00000000000000ab")
    }

    @Test func goodReplicaValidatesRepeatedlyWhileTheAppWrites() async throws {
        let (directory, databasePath, _, app, client) = try fileReplicaScenario()
        defer { directory.remove() }
        var replicaSettings = fastReplicaSettings()
        replicaSettings.validationInterval = .milliseconds(300)
        let logs = LogRecorder()
        let database = replicatingDatabase(
            databasePath, to: client, settings: fastSettings(minCheckpointPages: 8), replicaSettings: replicaSettings,
            logs: logs)
        let replica = try #require(database.replicas.first)
        try await withRunningDatabase(database) {
            try await waitUntil("three drills passed while the app writes and checkpoints run") {
                try app.insert(rows: 3)
                return await replica.validationTotals.ok >= 3
            }
        }
        #expect(await replica.validationTotals.error == 0)
        let drills = logs.messages("validator")
        #expect(drills.count >= 3)
        #expect(drills.allSatisfy { $0.metadata["status"] == "ok" && $0.metadata["db"] == $0.metadata["replica"] })
        #expect(logs.messages("invalid replica, checksum mismatch").isEmpty)
        #expect(!FileIO.exists(database.metaPath + "/validation.tmp"))
    }

    @Test func validatesAtIndexZeroWithoutACheckpoint() async throws {
        let (directory, databasePath, _, app, client) = try fileReplicaScenario()
        defer { directory.remove() }
        let database = replicatingDatabase(databasePath, to: client)
        let replica = try #require(database.replicas.first)
        try app.insert(rows: 4)
        try await withRunningDatabase(database) {
            try await waitUntil("replica caught up") { try await database.replicasCaughtUp() }
            try app.insert(rows: 2)
            let report = try #require(try await replica.validate(database: database))
            #expect(report.position.index == 0)
            #expect(report.position.offset > WAL.headerSize)
            #expect(report.matches)
        }
    }

    @Test func aSegmentRewrittenBehindTheDaemonsBackIsAMismatchWithinOneInterval() async throws {
        let (directory, databasePath, replicaRoot, app, client) = try fileReplicaScenario()
        defer { directory.remove() }
        var replicaSettings = fastReplicaSettings()
        replicaSettings.validationInterval = .milliseconds(400)
        replicaSettings.keepsMismatchedValidation = true
        let logs = LogRecorder()
        let database = replicatingDatabase(databasePath, to: client, replicaSettings: replicaSettings, logs: logs)
        let replica = try #require(database.replicas.first)
        try await withRunningDatabase(database) {
            try app.insert(rows: 2)
            try app.insert(rows: 20)
            try await waitUntil("replica caught up and one drill passed") {
                let passed = await replica.validationTotals.ok >= 1
                return try await database.replicasCaughtUp() && passed
            }
            let position = try #require(try await database.position())
            try rewriteLastFrame(of: client, replicaRoot: replicaRoot, generation: position.generation)
            try await waitUntil("the drill reports the rewritten segment", timeout: .seconds(5)) {
                await replica.validationTotals.error >= 1
            }
        }
        let mismatch = try #require(logs.messages("invalid replica, checksum mismatch").first)
        #expect(mismatch.metadata["generation"].map { "\($0)" }?.count == 16)
        #expect(logs.messages("validator").contains { $0.metadata["status"] == "mismatch" })
        let kept = try FileIO.listDirectory(database.metaPath).map(\.name).filter { $0.hasPrefix("validation-") }
        #expect(kept.count >= 1, "the mismatched restore is kept when asked for")
    }

    /// Changes the last byte of the last frame of the newest segment and recomputes that frame's
    /// checksums, so that the segment still decodes and verifies but restores other bytes.
    private func rewriteLastFrame(of client: FileReplicaClient, replicaRoot: String, generation: Generation) throws {
        let segments = try FileIO.listDirectory(replicaRoot + "/" + ReplicaPaths.wal(generation)).map(\.name).sorted()
        let name = try #require(segments.last)
        let (index, offset) = try #require(ReplicaPaths.parseWALSegmentName(name))
        let path = replicaRoot + "/" + ReplicaPaths.wal(generation) + "/" + name
        var data = try LZ4Frame.decompress(FileIO.readAll(path))
        let first = try LZ4Frame.decompress(
            FileIO.readAll(
                replicaRoot + "/" + ReplicaPaths.wal(generation) + "/"
                    + ReplicaPaths.walSegmentName(index: index, offset: 0)))
        let header = try WALHeader(Array(first[0..<WAL.headerSize]))
        let frameSize = WAL.frameHeaderSize + header.pageSize
        let start = offset == 0 ? WAL.headerSize : 0
        let frames = (data.count - start) / frameSize
        try #require(frames >= 2 || offset == 0, "the newest segment holds too few frames to rewrite")
        let last = start + (frames - 1) * frameSize
        let (s0, s1) =
            frames >= 2
            ? (WAL.readBE32(data, last - frameSize + 16), WAL.readBE32(data, last - frameSize + 20))
            : (header.checksum1, header.checksum2)
        data[last + frameSize - 1] ^= 0xFF
        var sum = WAL.checksum(Array(data[last..<(last + 8)]), bigEndian: header.bigEndianChecksums, s0, s1)
        sum = WAL.checksum(
            Array(data[(last + WAL.frameHeaderSize)..<(last + frameSize)]), bigEndian: header.bigEndianChecksums,
            sum.0, sum.1)
        for (i, byte) in withUnsafeBytes(of: sum.0.bigEndian, Array.init).enumerated() { data[last + 16 + i] = byte }
        for (i, byte) in withUnsafeBytes(of: sum.1.bigEndian, Array.init).enumerated() { data[last + 20 + i] = byte }
        try FileIO.write(try LZ4Frame.compress(data), to: path)
    }
}
