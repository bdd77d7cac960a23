import SwiftStream
import Testing

extension EndToEnd {
    /// `snapshots`, `generations`, `wal` and `databases` of swiftstream print what Litestream
    /// v0.3.13 prints for the same replica (checklist 51-54).
    @Suite struct ListingCompatibilityTests {
        enum Listing: String, CaseIterable, Sendable {
            case snapshotsConfig, snapshotsURL, snapshotsReplicaFlag
            case walConfig, walURL, walGeneration
            case generationsConfig, generationsURL
            case databases

            func arguments(_ fixture: Fixture) -> [String] {
                let config = ["-config", fixture.configPath]
                switch self {
                case .snapshotsConfig: return ["snapshots"] + config + [fixture.databasePath]
                case .snapshotsURL: return ["snapshots", fixture.replicaURL]
                case .snapshotsReplicaFlag: return ["snapshots"] + config + ["-replica", "file", fixture.databasePath]
                case .walConfig: return ["wal"] + config + [fixture.databasePath]
                case .walURL: return ["wal", fixture.replicaURL]
                case .walGeneration:
                    return ["wal"] + config + ["-generation", fixture.generations[0].id, fixture.databasePath]
                case .generationsConfig: return ["generations"] + config + [fixture.databasePath]
                case .generationsURL: return ["generations", fixture.replicaURL]
                case .databases: return ["databases"] + config
                }
            }

            var header: [String] {
                switch self {
                case .snapshotsConfig, .snapshotsURL, .snapshotsReplicaFlag:
                    ["replica", "generation", "index", "size", "created"]
                case .walConfig, .walURL, .walGeneration:
                    ["replica", "generation", "index", "offset", "size", "created"]
                case .generationsConfig, .generationsURL: ["name", "generation", "lag", "start", "end"]
                case .databases: ["path", "replicas"]
                }
            }

            /// In URL mode the lag is measured against the current time, so it differs between runs.
            var ignoresLag: Bool { self == .generationsURL }
        }

        @Test("listings match Litestream", arguments: Listing.allCases)
        func listingMatches(_ listing: Listing) async throws {
            let fixture = try await Fixture.shared()
            let arguments = listing.arguments(fixture)
            let reference = try await Tool.litestream.run(arguments)
            try #require(reference.status == .exited(0), "\(reference)")
            let expected = CommandTable(reference.standardOutput)
            #expect(expected.header == listing.header)
            #expect(!expected.rows.isEmpty)

            let ours = try await Tool.swiftstream.run(arguments)
            #expect(ours.status == .exited(0), "\(ours)")
            let actual = CommandTable(ours.standardOutput)
            if listing.ignoresLag {
                #expect(actual.removing(column: "lag") == expected.removing(column: "lag"))
                #expect(actual.rows.map(\.count) == expected.rows.map(\.count))
            } else {
                #expect(actual == expected)
                // Same tabwriter layout, byte for byte.
                #expect(ours.standardOutput == reference.standardOutput)
            }
        }

        @Test func litestreamListingsDescribeTheFixture() async throws {
            let fixture = try await Fixture.shared()
            let generations = try await Tool.litestream.run(Listing.generationsConfig.arguments(fixture))
            let table = CommandTable(generations.standardOutput)
            #expect(table.rows.map { $0[1] } == fixture.generations.map(\.id).sorted())
            let snapshots = CommandTable(
                try await Tool.litestream.run(Listing.snapshotsConfig.arguments(fixture)).standardOutput)
            let inspector = ReplicaInspector(root: fixture.replicaPath)
            let count = try fixture.generations.map { try inspector.snapshots($0.id).count }.reduce(0, +)
            #expect(snapshots.rows.count == count)
        }
    }
}
