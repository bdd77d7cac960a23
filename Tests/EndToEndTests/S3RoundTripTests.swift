import PeerTestSupport
import SwiftStream
import Testing

extension EndToEnd {
    /// Round trips over S3 (moto with IAM auth on) between swiftstream and the real Litestream
    /// v0.3.13, with the application writing while the daemons replicate.
    @Suite struct S3RoundTripTests {
        /// swiftstream replicates; Litestream and swiftstream restore the live database.
        @Test func swiftstreamReplicatesBothRestore() async throws {
            let scenario = try await S3Scenario.make("ss-to-ls")
            try scenario.createDatabase()
            let probe = ReplicaProbe(client: scenario.client)
            let daemon = try scenario.startReplicate(.swiftstream)
            defer { daemon.kill() }
            let writer = BackgroundWriter(path: scenario.databasePath)
            try await Task.sleep(for: .seconds(4))  // the point: 4 s of writes while the daemon replicates
            try await writer.stop()
            #expect(writer.transactions > 50)
            try await probe.waitForCatchUp(databasePath: scenario.databasePath, daemon: daemon, "writer stopped")
            let live = try scenario.liveDigest()
            await daemon.stop()

            let generations = try await scenario.client.generations()
            #expect(generations.count == 1)
            for generation in generations {
                #expect(try await probe.gaps(in: generation) == [])
            }
            try await scenario.expectRestoresEqual(live, label: "latest")
            scenario.cleanUp()
        }

        /// Litestream replicates; swiftstream takes over the same meta directory and continues the
        /// same generation without a new snapshot while the application keeps writing; both
        /// tools restore the live database.
        @Test func litestreamReplicatesSwiftstreamContinues() async throws {
            let scenario = try await S3Scenario.make("ls-to-ss")
            try scenario.createDatabase()
            let probe = ReplicaProbe(client: scenario.client)
            let writer = BackgroundWriter(path: scenario.databasePath)
            let litestream = try scenario.startReplicate(.litestream)
            defer { litestream.kill() }
            // A few sync rounds of Litestream while the application writes.
            try await scenario.waitForWALSegments(3, from: litestream)
            await litestream.stop()
            let generation = try #require(try ReplicaProbe.localGeneration(metaPath: scenario.metaPath))
            let snapshotsBefore = try await scenario.client.snapshots(in: generation)

            // The writer never stopped: what it wrote between the two daemons is in the WAL.
            let swiftstream = try scenario.startReplicate(.swiftstream)
            defer { swiftstream.kill() }
            let segmentsBefore = try await scenario.client.walSegments(in: generation).count
            // A few sync rounds of swiftstream while the application writes.
            try await scenario.waitForWALSegments(segmentsBefore + 3, from: swiftstream)
            try await writer.stop()
            try await probe.waitForCatchUp(databasePath: scenario.databasePath, daemon: swiftstream, "handover")
            let live = try scenario.liveDigest()
            await swiftstream.stop()

            #expect(try ReplicaProbe.localGeneration(metaPath: scenario.metaPath) == generation)
            #expect(try await scenario.client.generations() == [generation])
            let snapshotsAfter = try await scenario.client.snapshots(in: generation)
            #expect(snapshotsAfter.map(\.index) == snapshotsBefore.map(\.index), "no new snapshot")
            #expect(try await probe.gaps(in: generation) == [])
            #expect(!swiftstream.log.contains("write snapshot"), "\(swiftstream.log)")
            try await scenario.expectRestoresEqual(live, label: "latest")
            scenario.cleanUp()
        }

        /// `-timestamp` between batches restores exactly the batches before it, with both tools
        /// (S3 `LastModified` has a resolution of one second, so batches are ≥ 2 s apart).
        @Test(arguments: [Tool.swiftstream, .litestream])
        func pointInTime(replicatedBy tool: Tool) async throws {
            let scenario = try await S3Scenario.make("pit-\(tool)")
            try scenario.createDatabase()
            let probe = ReplicaProbe(client: scenario.client)
            let daemon = try scenario.startReplicate(tool)
            defer { daemon.kill() }
            var points: [(timestamp: String, counts: [Int64: Int64], digest: DatabaseDigest)] = []
            for batch in 1...3 {
                try await S3Workload.writeBatch(scenario.databasePath, batch: batch, count: 15)
                try await probe.waitForCatchUp(databasePath: scenario.databasePath, daemon: daemon, "batch \(batch)")
                guard batch < 3 else { break }
                // Everything so far was uploaded before `point`; the next batch starts > 1 s after it.
                // Not a synchronisation: the clock has to pass the boundary (nothing to poll).
                let now = Timestamp.now()
                let point = Timestamp(seconds: now.seconds + 2)
                try await Task.sleep(for: .nanoseconds(point.nanoseconds - now.nanoseconds + 1_100_000_000))
                points.append(
                    (point.rfc3339, try S3Workload.batchCounts(scenario.databasePath), try scenario.liveDigest()))
            }
            let live = try scenario.liveDigest()
            await daemon.stop()

            for (n, point) in points.enumerated() {
                #expect(point.counts.keys.sorted() == Array(1...Int64(n + 1)))
                for restorer in Tool.allCases {
                    guard
                        let output = try await scenario.restore(
                            restorer, label: "pit\(n)", arguments: ["-timestamp", point.timestamp])
                    else { continue }
                    #expect(try S3Workload.batchCounts(output) == point.counts, "\(restorer) at \(point.timestamp)")
                    #expect(try DatabaseDigest.compute(path: output).userTables == point.digest)
                }
            }
            try await scenario.expectRestoresEqual(live, label: "latest")
            scenario.cleanUp()
        }

        /// A snapshot above the 5 MiB part size goes through multipart upload (both tools upload
        /// one) and restores with both tools.
        @Test func largeSnapshotMultipart() async throws {
            let scenario = try await S3Scenario.make("large", proxied: true, recordBodies: false)
            let proxy = try #require(scenario.proxy)
            try scenario.createDatabase()
            do {
                // ~12 MB of incompressible rows.
                let connection = try SQLiteConnection(path: scenario.databasePath)
                try connection.execute("BEGIN")
                for n in 0..<120 {
                    try connection.query(
                        "INSERT INTO items (batch, name, n, payload) VALUES (0, ?, 0, randomblob(100000))",
                        [.text("blob \(n)")])
                }
                try connection.execute("COMMIT")
                _ = try connection.checkpoint("TRUNCATE")
            }
            // swiftstream first, then Litestream continues its generation into another path (and so
            // snapshots there first).
            for tool in [Tool.swiftstream, .litestream] {
                var replica = scenario
                replica.replicaPath = "by-\(tool)"
                try replica.writeConfigs()
                proxy.clearRequests()
                let daemon = try replica.startReplicate(tool)
                defer { daemon.kill() }
                try await S3Workload.writeBatch(replica.databasePath, batch: tool == .swiftstream ? 1 : 2, count: 5)
                try await ReplicaProbe(client: replica.client).waitForCatchUp(
                    databasePath: replica.databasePath, daemon: daemon, "\(tool) large snapshot")
                let live = try replica.liveDigest()
                await daemon.stop()
                let counts = proxy.operationCounts
                #expect(counts[.createMultipartUpload, default: 0] >= 1, "\(tool): \(counts)")
                #expect(counts[.uploadPart, default: 0] >= 3, "\(tool): \(counts)")
                #expect(counts[.completeMultipartUpload, default: 0] >= 1, "\(tool): \(counts)")
                let generation = try #require(try ReplicaProbe.localGeneration(metaPath: replica.metaPath))
                let snapshots = try await replica.client.snapshots(in: generation)
                #expect(snapshots.contains { $0.size > 5 << 20 }, "\(snapshots)")
                try await replica.expectRestoresEqual(live, label: "large-\(tool)")
            }
            scenario.cleanUp()
        }
    }
}
