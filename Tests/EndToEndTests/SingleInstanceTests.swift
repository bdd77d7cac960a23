#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import PeerTestSupport
import SwiftStream
import SwiftStreamSystem
import Testing

extension EndToEnd {
    /// One replicating process per database (a rolling deploy, a cron job started by mistake).
    @Suite struct SingleInstanceTests {
        @Test func aSecondReplicateOfTheSameDatabaseExitsNamingTheFirst() async throws {
            var scenario = try Scenario("single-instance")
            let workload = try Workload(path: scenario.databasePath)
            try workload.write(transactions: 3)
            let first = try scenario.start(.swiftstream)
            _ = try await scenario.waitForGeneration(first)

            let started = ContinuousClock.now
            let second = try scenario.start(.swiftstream)
            let status = try #require(await second.process.wait(timeout: .seconds(20)), "\(second) kept running")
            #expect(status == .exited(1), "\(second.log)")
            #expect(ContinuousClock.now - started < .seconds(10))
            #expect(second.log.contains("is already being replicated by process \(first.process.pid)"), "\(second.log)")
            try first.checkRunning()

            // The first daemon still replicates, and once it stopped a new one may start.
            try workload.write(transactions: 3)
            try await first.waitForCatchUp(databasePath: scenario.databasePath, replicaPath: scenario.replicaPath)
            try await first.stopCleanly()
            let third = try scenario.start(.swiftstream)
            try await third.waitForReadLock(databasePath: scenario.databasePath)
            try await third.stopCleanly()
        }
    }
}
