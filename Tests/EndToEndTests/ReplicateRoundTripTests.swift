import PeerTestSupport
import SwiftStream
import SwiftStreamSystem
import Testing

extension EndToEnd {
    /// `replicate` of the binary against the real Litestream v0.3.13, in both directions, with
    /// an application writing concurrently (inserts, updates, deletes, blobs larger than a page,
    /// application RESTART/TRUNCATE checkpoints) (replication.md, checklist 15-38).
    @Suite struct ReplicateRoundTripTests {
        /// swiftstream replicates several WAL indexes; after SIGTERM both tools restore the
        /// live content.
        @Test func swiftstreamReplicatesBothToolsRestore() async throws {
            var scenario = try Scenario("rt-swiftstream")
            let workload = try Workload(path: scenario.databasePath)
            try workload.write(transactions: 5)
            let daemon = try scenario.start(.swiftstream)
            _ = try await scenario.waitForGeneration(daemon)

            workload.start(interval: .milliseconds(10), checkpointEvery: 25)
            let target = workload.acknowledged + 100
            try await waitUntil("swiftstream uploaded at least 4 WAL indexes", timeout: .seconds(40)) {
                try daemon.checkRunning()
                return try scenario.currentIndexCount() >= 4 && workload.acknowledged >= target
            }
            try await workload.stop()
            try await daemon.waitForCatchUp(databasePath: scenario.databasePath, replicaPath: scenario.replicaPath)
            // swiftstream's read transaction keeps an application TRUNCATE from resetting the
            // WAL (checklist 22, replication.md §4.4).
            let walSize = try #require(try FileIO.fileStatus(scenario.databasePath + "-wal")).st_size
            let truncate = try workload.checkpoint("TRUNCATE")
            #expect(truncate.busy == 1, "application TRUNCATE while swiftstream runs: \(truncate)")
            #expect(try FileIO.fileStatus(scenario.databasePath + "-wal")?.st_size == walSize)
            try workload.write(transactions: 3, label: "after-truncate")
            try await daemon.waitForCatchUp(databasePath: scenario.databasePath, replicaPath: scenario.replicaPath)
            try await daemon.stopCleanly()

            #expect(workload.checkpoints.contains { $0.hasPrefix("RESTART") })
            // The generation the daemon ended with is the replica's latest (an application
            // TRUNCATE that lands in the daemon's checkpoint window may legitimately have started
            // another one, replication.md §4.4).
            let generation = try #require(try ReplicateDaemon.currentGeneration(databasePath: scenario.databasePath))
            #expect(try !scenario.inspector.snapshots(generation).isEmpty)
            try await scenario.expectRestoresEqual(
                try workload.digest(), acknowledged: workload.acknowledged, label: "final")
        }

        /// Litestream replicates, stops; swiftstream continues the same generation from the same
        /// meta directory (no new snapshot, new segments appended); both tools restore it.
        @Test func litestreamThenSwiftstreamContinues() async throws {
            try await handover(from: .litestream, to: .swiftstream, label: "rt-ls-then-ss")
        }

        /// swiftstream replicates, stops; Litestream continues the same generation.
        @Test func swiftstreamThenLitestreamContinues() async throws {
            try await handover(from: .swiftstream, to: .litestream, label: "rt-ss-then-ls")
        }

        private func handover(from first: Tool, to second: Tool, label: String) async throws {
            var scenario = try Scenario(label)
            let workload = try Workload(path: scenario.databasePath)
            try workload.write(transactions: 5)
            let firstDaemon = try scenario.start(first)
            _ = try await scenario.waitForGeneration(firstDaemon)
            workload.start(interval: .milliseconds(10), checkpointEvery: 40)
            try await waitUntil("\(first) uploaded at least 3 WAL indexes", timeout: .seconds(40)) {
                try firstDaemon.checkRunning()
                return try scenario.currentIndexCount() >= 3
            }
            // Handover: the application pauses from just before the first daemon stops until the
            // second holds its read lock. A write in between could restart the WAL (the first
            // daemon's last connection may checkpoint it on close), which rightly starts a new
            // generation in both tools (replication.md §4.4).
            try await workload.stop()
            try await firstDaemon.waitForCatchUp(databasePath: scenario.databasePath, replicaPath: scenario.replicaPath)
            try await firstDaemon.stopCleanly()
            let generation = try #require(try ReplicateDaemon.currentGeneration(databasePath: scenario.databasePath))
            let generationsBefore = try scenario.inspector.generations()
            let snapshotsBefore = try scenario.inspector.snapshots(generation).map(\.path)
            let segmentsBefore = try scenario.inspector.segments(generation)

            // swiftstream's lock file stays in the meta directory; Litestream must continue it.
            let lockFile = Path.dirname(scenario.databasePath) + "/.app.db-litestream/swiftstream.lock"
            #expect(first == .litestream || FileIO.exists(lockFile))
            let secondDaemon = try scenario.start(second)
            try await secondDaemon.waitForReadLock(databasePath: scenario.databasePath)
            workload.start(interval: .milliseconds(10))
            try await waitUntil("\(second) uploads new WAL segments", timeout: .seconds(20)) {
                try secondDaemon.checkRunning()
                return try scenario.inspector.segments(generation).count > segmentsBefore.count + 2
            }
            try await workload.stop()
            workload.start(interval: .milliseconds(10), checkpointEvery: 40)
            let indexBefore = segmentsBefore.last?.index ?? 0
            try await waitUntil("\(second) moved past WAL index \(indexBefore + 1)", timeout: .seconds(40)) {
                try secondDaemon.checkRunning()
                return (try scenario.inspector.segments(generation).last?.index ?? 0) > indexBefore + 1
            }
            try await workload.stop()
            try await secondDaemon.waitForCatchUp(
                databasePath: scenario.databasePath, replicaPath: scenario.replicaPath)
            try await secondDaemon.stopCleanly()

            #expect(
                try ReplicateDaemon.currentGeneration(databasePath: scenario.databasePath) == generation,
                "meta directory generation")
            #expect(
                try scenario.inspector.generations() == generationsBefore,
                "\(second) kept generation \(generation):\n\(secondDaemon.log)")
            #expect(!secondDaemon.log.contains("new generation"), "\(second) log:\n\(secondDaemon.log)")
            #expect(
                try scenario.inspector.snapshots(generation).map(\.path) == snapshotsBefore,
                "\(second) wrote no snapshot")
            let segmentsAfter = try scenario.inspector.segments(generation)
            // The second daemon resumes where the first stopped (checklist 18, 29): the same
            // index right after the last uploaded byte, or index+1 at 0 if the first write after
            // the handover restarted the WAL (checklist 25).
            if let last = segmentsBefore.last,
                let firstNew = segmentsAfter.first(where: { !segmentsBefore.contains($0) })
            {
                let end = last.offset + (try LZ4Frame.decompress(try FileIO.readAll(last.path))).count
                #expect(
                    (firstNew.index == last.index && firstNew.offset == end)
                        || (firstNew.index == last.index + 1 && firstNew.offset == 0),
                    "first segment of \(second) at \(firstNew.index)/\(firstNew.offset), first daemon ended at \(last.index)/\(end)"
                )
            }
            #expect(
                Set(segmentsBefore).isSubset(of: Set(segmentsAfter)) && segmentsAfter.count > segmentsBefore.count,
                "segments appended: before \(segmentsBefore.count), after \(segmentsAfter.count)")
            try await scenario.expectRestoresEqual(
                try workload.digest(), acknowledged: workload.acknowledged, label: "final")
        }
    }
}
