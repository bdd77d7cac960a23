import SwiftStream
import Testing

extension EndToEnd {
    /// Point-in-time restores of a replica swiftstream wrote: `restore -timestamp T` of both
    /// tools returns exactly the batches committed before T (checklist 43-44).
    @Suite struct ReplicatePointInTimeTests {
        @Test func timestampRestoresSeeExactlyEarlierBatches() async throws {
            var scenario = try Scenario("pit-swiftstream")
            let workload = try Workload(path: scenario.databasePath)
            try workload.write(transactions: 3, label: "batch0")
            let daemon = try scenario.start(.swiftstream)
            _ = try await scenario.waitForGeneration(daemon)

            var points: [(timestamp: String, digest: DatabaseDigest, acknowledged: Int64)] = []
            for batch in 1...3 {
                for transaction in 0..<6 {
                    try workload.writeTransaction(label: "batch\(batch)")
                    if batch == 2 && transaction == 3 { try workload.checkpoint("RESTART") }
                }
                try await daemon.waitForCatchUp(databasePath: scenario.databasePath, replicaPath: scenario.replicaPath)
                if batch < 3 {
                    points.append((try await Self.pointInTime(), try workload.digest(), workload.acknowledged))
                }
            }
            try await daemon.stopCleanly()

            for (n, point) in points.enumerated() {
                for tool in Tool.allCases {
                    let restored = try await RestoreChecks.restore(
                        tool, ["-config", scenario.configPath, "-timestamp", point.timestamp, scenario.databasePath],
                        into: scenario.directory, label: "pit\(n)")
                    guard let digest = restored.digest else { continue }
                    #expect(
                        digest.userTables == point.digest,
                        "\(tool) restore at \(point.timestamp) (after batch \(n + 1))")
                    #expect(
                        try Workload.ledger(at: restored.output) == Array(1...point.acknowledged),
                        "\(tool) restore at \(point.timestamp) holds exactly transactions 1...\(point.acknowledged)")
                }
            }
            try await scenario.expectRestoresEqual(
                try workload.digest(), acknowledged: workload.acknowledged, label: "latest")
        }

        /// A whole-second time T more than a second after everything uploaded so far; returns
        /// once the clock is more than a second past T, so the next upload is clearly later
        /// (the file backend dates objects by their modification time).
        static func pointInTime() async throws -> String {
            let now = Timestamp.now()
            let point = Timestamp(seconds: now.seconds + 2)
            // Not a synchronisation: the clock has to pass the boundary (nothing to poll).
            try await Task.sleep(for: .nanoseconds(point.nanoseconds - now.nanoseconds + 1_100_000_000))
            return point.rfc3339
        }
    }
}
