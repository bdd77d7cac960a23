import SwiftStream
import SwiftStreamSystem
import Testing

extension EndToEnd {
    /// Checks that the fixture really has the shape the compatibility tests rely on, using only
    /// the reference Litestream binary and direct reads of the replica.
    @Suite struct FixtureTests {
        @Test func replicaHasThreeGenerationsWithSnapshotsAndSegments() async throws {
            let fixture = try await Fixture.shared()
            let inspector = ReplicaInspector(root: fixture.replicaPath)
            #expect(try Set(inspector.generations()) == Set(fixture.generations.map(\.id)))
            #expect(fixture.generations.count == 3)
            for generation in fixture.generations {
                #expect(try !inspector.snapshots(generation.id).isEmpty, "generation \(generation.id)")
                // Every listed index starts at offset 0 (the first index may be above 0: Litestream
                // can checkpoint before its first upload).
                let segments = try inspector.segments(generation.id)
                #expect(!segments.isEmpty, "generation \(generation.id)")
                for index in Set(segments.map(\.index)) {
                    #expect(
                        segments.first { $0.index == index }?.offset == 0, "generation \(generation.id) index \(index)")
                }
            }
            // Litestream's own checkpoints moved generation A and C past WAL index 0.
            let genA = fixture.generations[0].id
            let genC = fixture.generations[2].id
            #expect(try inspector.segments(genA).map(\.index).max() ?? 0 >= 1)
            #expect(try inspector.segments(genC).map(\.index).max() ?? 0 >= 1)
            #expect(try inspector.snapshots(genC).contains { $0.index > 0 })
            // Some index has at least three segments (for the missing-segment scenario).
            let perIndex = Dictionary(grouping: try inspector.segments(genC), by: \.index)
            #expect(perIndex.values.contains { $0.count >= 3 })
        }

        @Test func everyObjectIsALitestreamLZ4Frame() async throws {
            let fixture = try await Fixture.shared()
            let inspector = ReplicaInspector(root: fixture.replicaPath)
            for generation in try inspector.generations() {
                let paths = try inspector.snapshots(generation).map(\.path) + inspector.segments(generation).map(\.path)
                for path in paths {
                    let bytes = try FileIO.readAll(path)
                    #expect(Array(bytes.prefix(7)) == LZ4Frame.litestreamHeader, "\(path)")
                }
                // Segment offsets are exact byte offsets into each index's WAL stream.
                var expectedOffset: [Int: Int] = [:]
                for segment in try inspector.segments(generation) {
                    #expect(segment.offset == expectedOffset[segment.index, default: 0], "\(segment.path)")
                    let length = try LZ4Frame.decompress(try FileIO.readAll(segment.path)).count
                    expectedOffset[segment.index] = segment.offset + length
                }
            }
        }

        @Test func alignedSnapshotEndsWithAnEmptyRawBlock() async throws {
            let fixture = try await Fixture.shared()
            let inspector = ReplicaInspector(root: fixture.replicaPath)
            let snapshot = try #require(try inspector.snapshots(fixture.alignedSnapshotGeneration).first)
            let bytes = try FileIO.readAll(snapshot.path)
            // … 00 00 00 80 (raw block of length 0), 00 00 00 00 (end mark), xxh32.
            #expect(Array(bytes.suffix(12).prefix(8)) == [0, 0, 0, 0x80, 0, 0, 0, 0])
            #expect(fixture.alignedDatabaseSize % (4 << 20) == 0)
            #expect(try LZ4Frame.decompress(bytes).count == fixture.alignedDatabaseSize)
        }

        @Test func litestreamRestoresTheFinalState() async throws {
            let fixture = try await Fixture.shared()
            let scratch = try TestEnvironment.makeScratchDirectory("fixture-check")
            let output = scratch + "/latest.db"
            let result = try await Tool.litestream.run([
                "restore", "-config", fixture.configPath, "-o", output, fixture.databasePath,
            ])
            try #require(result.status == .exited(0), "\(result)")
            let digest = try DatabaseDigest.compute(path: output)
            #expect(digest.userTables == fixture.finalDigest)
            let counts = try FixtureBuilder.batchCounts(try SQLiteConnection(path: output, readOnly: true))
            #expect(counts == fixture.finalBatchCounts)
            #expect(Set(counts.keys) == Set((1...11).map(Int64.init)))
        }

        @Test func litestreamRestoresEachPointInTime() async throws {
            let fixture = try await Fixture.shared()
            let scratch = try TestEnvironment.makeScratchDirectory("fixture-pit")
            #expect(fixture.pointsInTime.map(\.batch) == [1, 2, 3, 6])
            for (n, point) in fixture.pointsInTime.enumerated() {
                let output = scratch + "/pit-\(n).db"
                let result = try await Tool.litestream.run([
                    "restore", "-config", fixture.configPath, "-o", output, "-timestamp", point.timestamp,
                    fixture.databasePath,
                ])
                try #require(result.status == .exited(0), "\(result)")
                #expect(
                    try DatabaseDigest.compute(path: output).userTables == point.digest, "after batch \(point.batch)")
                let counts = try FixtureBuilder.batchCounts(try SQLiteConnection(path: output, readOnly: true))
                #expect(counts == point.batchCounts, "after batch \(point.batch)")
                #expect(counts.keys.max() == Int64(point.batch))
            }
        }

        @Test func litestreamRestoresEachGenerationsFinalState() async throws {
            let fixture = try await Fixture.shared()
            let scratch = try TestEnvironment.makeScratchDirectory("fixture-gen")
            for generation in fixture.generations {
                let output = scratch + "/\(generation.id).db"
                let result = try await Tool.litestream.run([
                    "restore", "-config", fixture.configPath, "-o", output, "-generation", generation.id,
                    fixture.databasePath,
                ])
                try #require(result.status == .exited(0), "\(result)")
                #expect(try DatabaseDigest.compute(path: output).userTables == generation.finalDigest)
            }
        }
    }
}
