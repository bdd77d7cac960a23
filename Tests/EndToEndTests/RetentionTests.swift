import PeerTestSupport
import SwiftStream
import SwiftStreamSystem
import Testing

extension EndToEnd {
    /// Retention run by the binary: with a 2 s retention, snapshots every second and a check
    /// every second, an older generation (Litestream's), old snapshots and the WAL segments
    /// before the oldest snapshot disappear, and the replica still restores to the live
    /// content (replication.md §9, checklist 32).
    @Suite struct RetentionTests {
        @Test func oldSnapshotsAndSegmentsDisappear() async throws {
            var scenario = try Scenario(
                "retention", replicaLines: ["retention: 2s", "retention-check-interval: 1s", "snapshot-interval: 1s"])
            let workload = try Workload(path: scenario.databasePath)
            try workload.write(transactions: 5)
            // An older generation, made by Litestream; the application's TRUNCATE while no
            // daemon runs makes swiftstream start a new one.
            let litestream = try scenario.start(.litestream)
            let oldGeneration = try await scenario.waitForGeneration(litestream)
            try await litestream.waitForCatchUp(databasePath: scenario.databasePath, replicaPath: scenario.replicaPath)
            try await litestream.stopCleanly()
            #expect(try workload.checkpoint("TRUNCATE", busyTimeout: 2000).busy == 0)
            try workload.write(transactions: 3)

            let daemon = try scenario.start(.swiftstream)
            let generation = try await scenario.waitForGeneration(daemon, other: oldGeneration)
            let firstSnapshot = try #require(try scenario.inspector.snapshots(generation).first)
            let firstSegment = try #require(try scenario.inspector.segments(generation).first)

            workload.start(interval: .milliseconds(10))
            try await waitUntil(
                "Litestream's generation, the first snapshot and segment are gone and no segment precedes the oldest snapshot",
                timeout: .seconds(30)
            ) {
                try daemon.checkRunning()
                let snapshots = try scenario.inspector.snapshots(generation)
                guard let oldest = snapshots.first, oldest.index > firstSnapshot.index else { return false }
                let segments = try scenario.inspector.segments(generation)
                let generations = try scenario.inspector.generations()
                return !FileIO.exists(firstSnapshot.path) && !FileIO.exists(firstSegment.path)
                    && segments.allSatisfy { $0.index >= oldest.index }
                    && generations == [generation]
            }
            try await workload.stop()
            try await daemon.waitForCatchUp(databasePath: scenario.databasePath, replicaPath: scenario.replicaPath)
            try await daemon.stopCleanly()

            let snapshots = try scenario.inspector.snapshots(generation)
            let oldest = try #require(snapshots.first)
            #expect(oldest.index > firstSnapshot.index)
            #expect(try scenario.inspector.segments(generation).allSatisfy { $0.index >= oldest.index })
            try await scenario.expectRestoresEqual(
                try workload.digest(), acknowledged: workload.acknowledged, label: "after-retention")
        }
    }
}
