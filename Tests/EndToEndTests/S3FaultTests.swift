import PeerTestSupport
import SwiftStream
import Testing

extension EndToEnd {
    /// `swiftstream replicate` against moto through a `FaultProxy`, with the application writing:
    /// once the faults stop, the replica catches up without gaps and restores to the live database.
    @Suite struct S3FaultTests {
        /// 500/503/SlowDown answers, connection resets and stalls sprinkled over the requests.
        @Test func injectedFaults() async throws {
            let scenario = try await S3Scenario.make("faults", proxied: true, recordBodies: false)
            let proxy = try #require(scenario.proxy)
            try scenario.writeConfigs(syncInterval: "100ms")
            try scenario.createDatabase()
            let probe = ReplicaProbe(client: scenario.client)
            let daemon = try scenario.startReplicate(.swiftstream)
            defer { daemon.kill() }
            let writer = BackgroundWriter(path: scenario.databasePath)
            try await waitUntil("the first upload") { proxy.requests.count > 3 }
            let pattern: [FaultProxy.Fault] = [
                .status(500, code: "InternalError"), .pass, .status(503, code: "SlowDown"), .reset, .pass, .pass,
                .stall(seconds: 1.5), .status(503, code: "ServiceUnavailable"), .pass, .reset, .reset, .pass,
            ]
            proxy.inject(Array(repeating: pattern, count: 5).flatMap { $0 })
            try await waitUntil("every injected fault was met", timeout: .seconds(90)) {
                try daemon.checkRunning()
                return proxy.pendingFaults == 0
            }
            // The application writes on and the daemon gets through again after the last fault.
            try await scenario.waitForRequests(
                after: proxy.requests.count + 2, from: daemon, "the daemon sent 3 requests after the last fault")
            try await writer.stop()
            try await probe.waitForCatchUp(databasePath: scenario.databasePath, daemon: daemon, "faults over")
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

        /// The store is unreachable for longer than the retry budget (connections refused, then
        /// every request answered 503) while the application writes and the database checkpoints
        /// (new shadow indexes): the shadow WAL keeps what the replica lacks, and replication
        /// catches up when the store is back, also when the application went idle meanwhile.
        @Test func storeUnreachable() async throws {
            let scenario = try await S3Scenario.make("outage", proxied: true, recordBodies: false)
            let proxy = try #require(scenario.proxy)
            try scenario.writeConfigs(syncInterval: "100ms")
            try scenario.createDatabase()
            let probe = ReplicaProbe(client: scenario.client)
            let daemon = try scenario.startReplicate(.swiftstream)
            defer { daemon.kill() }
            var writer = BackgroundWriter(path: scenario.databasePath, batch: 1)
            try await scenario.waitForWALSegments(1, from: daemon)
            let generation = try #require(try ReplicaProbe.localGeneration(metaPath: scenario.metaPath))
            let indexBefore = try await scenario.client.walSegments(in: generation).map(\.index).max() ?? 0

            // Outage 1: refused connections for 15 s, the writer keeps going.
            proxy.goDown()
            try await Task.sleep(for: .seconds(15))  // the outage must last this long (beyond the retry budget)
            let requestsDuringOutage = proxy.requests.count
            try proxy.comeUp()
            // The writer keeps going while the daemon gets through to the store again.
            try await scenario.waitForRequests(
                after: requestsDuringOutage, from: daemon, "the daemon reached the store after outage 1")
            try await writer.stop()
            try await probe.waitForCatchUp(databasePath: scenario.databasePath, daemon: daemon, "after outage 1")
            let indexAfter = try await scenario.client.walSegments(in: generation).map(\.index).max() ?? 0
            #expect(indexAfter > indexBefore, "checkpoints during the outage started new indexes")

            // Outage 2: 503 on everything; the writer stops during the outage, so nothing new
            // happens locally when the store comes back.
            proxy.setOutage(.status(503, code: "ServiceUnavailable"))
            writer = BackgroundWriter(path: scenario.databasePath, batch: 2)
            try await Task.sleep(for: .seconds(3))  // the point: the application writes during the outage
            try await writer.stop()
            try await Task.sleep(for: .seconds(12))  // the point: the outage outlasts the retry budget while idle
            proxy.setOutage(nil)
            try await probe.waitForCatchUp(
                databasePath: scenario.databasePath, daemon: daemon, "after outage 2 (application idle)",
                timeout: .seconds(30))
            let live = try scenario.liveDigest()
            await daemon.stop()

            #expect(try await scenario.client.generations() == [generation])
            #expect(try await probe.gaps(in: generation) == [])
            try await scenario.expectRestoresEqual(live, label: "latest")
            scenario.cleanUp()
        }

        /// One commit during an outage longer than the retry budget, then nothing: no checkpoint
        /// (the WAL never restarts, so the database reports no further change) and no write.
        /// The failed round must be retried on its own once the store is back, not at the next
        /// write or checkpoint (Litestream v0.3.13 waits for one; for an idle application that can
        /// be `checkpoint-interval` (1 min) or forever).
        @Test func failedRoundIsRetriedWithoutNewWrites() async throws {
            let scenario = try await S3Scenario.make("retry-idle", proxied: true, recordBodies: false)
            let proxy = try #require(scenario.proxy)
            try scenario.writeConfigs(
                syncInterval: "100ms",
                extraDatabaseLines: ["min-checkpoint-page-count: 100000", "checkpoint-interval: 0"]
            )
            try scenario.createDatabase()
            let probe = ReplicaProbe(client: scenario.client)
            let daemon = try scenario.startReplicate(.swiftstream)
            defer { daemon.kill() }
            try await S3Workload.writeBatch(scenario.databasePath, batch: 1, count: 3)
            try await probe.waitForCatchUp(databasePath: scenario.databasePath, daemon: daemon, "startup")

            proxy.setOutage(.status(503, code: "ServiceUnavailable"))
            try await S3Workload.writeBatch(scenario.databasePath, batch: 2, count: 1)
            try await waitUntil("the daemon gave up the round (log: \(daemon.logPath))", timeout: .seconds(40)) {
                daemon.log.contains("monitor error")
            }
            proxy.setOutage(nil)
            try await probe.waitForCatchUp(
                databasePath: scenario.databasePath, daemon: daemon, "store back, application idle",
                timeout: .seconds(20))
            let live = try scenario.liveDigest()
            await daemon.stop()
            try await scenario.expectRestoresEqual(live, label: "latest")
            scenario.cleanUp()
        }
    }
}
