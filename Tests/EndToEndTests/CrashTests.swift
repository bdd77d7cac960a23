import SwiftStream
import Testing

extension EndToEnd {
    /// `swiftstream replicate` killed with SIGKILL at random moments under write load, restarted
    /// each time, then stopped cleanly: nothing acknowledged is lost and both tools restore the
    /// live content (replication.md §5 recovery, checklist 20-24).
    @Suite struct CrashTests {
        @Test func sigkillLoopUnderLoad() async throws {
            var scenario = try Scenario("crash-sigkill")
            let workload = try Workload(path: scenario.databasePath)
            try workload.write(transactions: 5)
            var daemon = try scenario.start(.swiftstream)
            _ = try await scenario.waitForGeneration(daemon)
            // No background application checkpoints: one while the daemon is down restarts the
            // WAL and rightly starts a new generation, and the point is mostly to recover the
            // same generation after a kill. The explicit TRUNCATE below covers the other case.
            workload.start(interval: .milliseconds(8))

            var delays: [Duration] = []
            for round in 0..<5 {
                let delay = Duration.milliseconds(Int.random(in: 200...1500))
                delays.append(delay)
                // Not a synchronisation: the random moment of the kill is the point of the test.
                try await Task.sleep(for: delay)
                try daemon.checkRunning()
                await daemon.kill()
                // The application keeps writing while the daemon is down.
                try await workload.waitForProgress(5)
                if round == 0 {
                    try workload.checkpoint("RESTART")
                }
                if round == 2 {
                    let result = try workload.checkpoint("TRUNCATE", busyTimeout: 2000)
                    #expect(result.busy == 0, "TRUNCATE while the daemon is down: \(result) (delays \(delays))")
                    try await workload.waitForProgress(3)
                }
                daemon = try scenario.start(.swiftstream)
            }
            _ = try await scenario.waitForGeneration(daemon)
            try await workload.waitForProgress(20)
            try await workload.stop()
            try await daemon.waitForCatchUp(databasePath: scenario.databasePath, replicaPath: scenario.replicaPath)
            let acknowledged = workload.acknowledged
            try await daemon.stopCleanly()

            try TestEnvironment.writeFile(scenario.directory + "/kill-delays.txt", "\(delays)\n")
            let generations = try scenario.inspector.generations()
            #expect(generations.count >= 2, "the TRUNCATE while down starts a new generation: \(generations)")
            try await scenario.expectRestoresEqual(
                try workload.digest(), acknowledged: acknowledged, label: "after-kills")
        }

        /// The same under load, but the killed daemon alternates between Litestream and
        /// swiftstream: each continues the other's crash leftovers (partial shadow WAL, partly
        /// uploaded segments) and the end result restores with both tools.
        @Test func sigkillLoopAlternatingWithLitestream() async throws {
            var scenario = try Scenario("crash-alternating")
            let workload = try Workload(path: scenario.databasePath)
            try workload.write(transactions: 5)
            var daemon = try scenario.start(.litestream)
            _ = try await scenario.waitForGeneration(daemon)
            workload.start(interval: .milliseconds(8))
            var delays: [Duration] = []
            for round in 0..<4 {
                let delay = Duration.milliseconds(Int.random(in: 300...1500))
                delays.append(delay)
                try await Task.sleep(for: delay)  // the random moment of the kill
                try daemon.checkRunning()
                await daemon.kill()
                try await workload.waitForProgress(5)
                daemon = try scenario.start(round % 2 == 0 ? .swiftstream : .litestream)
            }
            try TestEnvironment.writeFile(scenario.directory + "/kill-delays.txt", "\(delays)\n")
            _ = try await scenario.waitForGeneration(daemon)
            try await workload.waitForProgress(20)
            try await workload.stop()
            try await daemon.waitForCatchUp(databasePath: scenario.databasePath, replicaPath: scenario.replicaPath)
            try await daemon.stopCleanly()
            try await scenario.expectRestoresEqual(
                try workload.digest(), acknowledged: workload.acknowledged, label: "after-kills")
        }
    }
}
