import PeerTestSupport
import SwiftStream
import Testing

extension EndToEnd {
    /// What `swiftstream replicate` asks S3, counted by a proxy: after startup the upload path
    /// lists nothing (the replica position is known), and an idle database costs no request.
    @Suite struct S3RequestEconomyTests {
        @Test func steadyStateListsNothingAndIdleIsSilent() async throws {
            let scenario = try await S3Scenario.make("economy", proxied: true, recordBodies: false)
            let proxy = try #require(scenario.proxy)
            try scenario.writeConfigs(syncInterval: "100ms")
            try scenario.createDatabase()
            let probe = ReplicaProbe(client: scenario.client)
            let daemon = try scenario.startReplicate(.swiftstream)
            defer { daemon.kill() }
            try await S3Workload.writeBatch(scenario.databasePath, batch: 1, count: 5)
            try await probe.waitForCatchUp(databasePath: scenario.databasePath, daemon: daemon, "startup")
            let startup = proxy.operationCounts

            // Steady state: writes (with checkpoints, so new indexes too), uploads, no listing.
            proxy.clearRequests()
            let writer = BackgroundWriter(path: scenario.databasePath, batch: 2)
            try await Task.sleep(for: .seconds(4))  // the point: 4 s of steady-state writes
            try await writer.stop()
            try await probe.waitForCatchUp(databasePath: scenario.databasePath, daemon: daemon, "steady state")
            let steady = proxy.operationCounts
            #expect(steady[.putObject, default: 0] >= 5, "\(steady)")
            #expect(steady[.listObjects, default: 0] == 0, "steady-state requests: \(steady)")
            #expect(Set(steady.keys) == [.putObject], "steady-state requests: \(steady)")

            // Idle: no request at all.
            try await Task.sleep(for: .seconds(1))  // settle: nothing to poll for (the daemon is caught up)
            proxy.clearRequests()
            try await Task.sleep(for: .seconds(5))  // the point: an idle window in which nothing must happen
            let idle = proxy.requests
            #expect(idle.isEmpty, "idle requests: \(idle.map { "\($0.method) \($0.target)" })")
            await daemon.stop()
            print("S3 requests: startup \(startup), steady \(steady) for \(writer.transactions) transactions")
            scenario.cleanUp()
        }
    }
}
