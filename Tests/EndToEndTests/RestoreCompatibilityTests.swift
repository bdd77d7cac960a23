import SwiftStream
import SwiftStreamSystem
import Testing

extension EndToEnd {
    /// swiftstream restores a Litestream-made replica to the same content Litestream itself
    /// restores, for every way of choosing the point to restore (checklist 39-45, 47).
    @Suite struct RestoreCompatibilityTests {
        @Test func latestInConfigMode() async throws {
            let fixture = try await Fixture.shared()
            let directory = try TestEnvironment.makeScratchDirectory("restore-latest")
            let reference = try await RestoreChecks.compareRestores(
                ["-config", fixture.configPath, fixture.databasePath], in: directory, label: "latest")
            #expect(reference?.userTables == fixture.finalDigest)
            let ours = directory + "/swiftstream-latest.db"
            if FileIO.exists(ours) {
                let counts = try FixtureBuilder.batchCounts(try SQLiteConnection(path: ours, readOnly: true))
                #expect(counts == fixture.finalBatchCounts)
            }
        }

        @Test func latestInURLMode() async throws {
            let fixture = try await Fixture.shared()
            let directory = try TestEnvironment.makeScratchDirectory("restore-url")
            let reference = try await RestoreChecks.compareRestores([fixture.replicaURL], in: directory, label: "url")
            #expect(reference?.userTables == fixture.finalDigest)
        }

        @Test("point in time restores", arguments: 0..<4)
        func pointInTime(_ n: Int) async throws {
            let fixture = try await Fixture.shared()
            let point = fixture.pointsInTime[n]
            let directory = try TestEnvironment.makeScratchDirectory("restore-pit")
            let reference = try await RestoreChecks.compareRestores(
                ["-config", fixture.configPath, "-timestamp", point.timestamp, fixture.databasePath], in: directory,
                label: "pit")
            #expect(reference?.userTables == point.digest)
            let ours = directory + "/swiftstream-pit.db"
            if FileIO.exists(ours) {
                let counts = try FixtureBuilder.batchCounts(try SQLiteConnection(path: ours, readOnly: true))
                #expect(counts == point.batchCounts, "rows per batch after batch \(point.batch)")
                #expect(try DatabaseDigest.compute(path: ours).userTables == point.digest)
            }
        }

        @Test func pointInTimeWithZoneOffsetAndURL() async throws {
            let fixture = try await Fixture.shared()
            let point = fixture.pointsInTime[1]
            let instant = try #require(Timestamp.parseRFC3339(point.timestamp))
            // The same instant written as local time in UTC+02:00.
            let shifted = Timestamp(seconds: instant.seconds + 7200).rfc3339.dropLast() + "+02:00"
            #expect(Timestamp.parseRFC3339(String(shifted)) == instant)
            let directory = try TestEnvironment.makeScratchDirectory("restore-pit-url")
            let reference = try await RestoreChecks.compareRestores(
                ["-timestamp", String(shifted), fixture.replicaURL], in: directory, label: "pit-url")
            #expect(reference?.userTables == point.digest)
        }

        @Test func eachGenerationsLatestState() async throws {
            let fixture = try await Fixture.shared()
            let directory = try TestEnvironment.makeScratchDirectory("restore-generation")
            for generation in fixture.generations {
                let reference = try await RestoreChecks.compareRestores(
                    ["-config", fixture.configPath, "-generation", generation.id, fixture.databasePath], in: directory,
                    label: "gen-\(generation.id)")
                #expect(reference?.userTables == generation.finalDigest)
            }
        }

        /// `-generation G -index I` for the first, second, middle and last WAL index of every
        /// generation, every snapshot index, and an index beyond the last (which restores up to
        /// the last one). `-index` is hexadecimal.
        @Test func generationAndIndexPairs() async throws {
            let fixture = try await Fixture.shared()
            let inspector = ReplicaInspector(root: fixture.replicaPath)
            let directory = try TestEnvironment.makeScratchDirectory("restore-index")
            var pairs = 0
            for generation in fixture.generations {
                let indices = Array(Set(try inspector.segments(generation.id).map(\.index))).sorted()
                let snapshotIndices = try inspector.snapshots(generation.id).map(\.index)
                guard let first = indices.first, let last = indices.last else {
                    Issue.record("generation \(generation.id) has no WAL segments")
                    continue
                }
                var chosen = Set([first, indices[min(1, indices.count - 1)], indices[indices.count / 2], last])
                chosen.formUnion(snapshotIndices.filter { $0 >= first })
                chosen.formUnion(snapshotIndices.compactMap { snapshot in indices.last { $0 < snapshot } })
                for index in chosen.sorted() + [last + 5] {
                    let hex = String(index, radix: 16)
                    try await RestoreChecks.compareRestores(
                        [
                            "-config", fixture.configPath, "-generation", generation.id, "-index", hex,
                            fixture.databasePath,
                        ],
                        in: directory, label: "\(generation.id)-\(hex)")
                    pairs += 1
                }
                // Beyond the last index means "up to the last one".
                #expect(
                    try DatabaseDigest.compute(
                        path: "\(directory)/litestream-\(generation.id)-\(String(last + 5, radix: 16)).db"
                    )
                    .userTables == generation.finalDigest)
            }
            #expect(pairs >= 12)
        }
    }
}
