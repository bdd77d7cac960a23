#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import SwiftStream
import SwiftStreamSystem
import Testing

extension EndToEnd {
    /// Rejected inputs: swiftstream exits 1 with exactly one clear line on stderr naming the
    /// culprit, never crashes, and leaves nothing at or next to `-o`. Each scenario is first
    /// checked against Litestream v0.3.13, so the scenario itself is known to be bad.
    @Suite struct BadInputTests {
        private static func scratch(_ label: String) throws -> String {
            try TestEnvironment.makeScratchDirectory("bad-\(label)")
        }

        @Test func malformedYAMLNamesTheFileAndLine() async throws {
            let directory = try Self.scratch("yaml")
            let config = directory + "/broken.yml"
            try TestEnvironment.writeFile(
                config, "dbs:\n  - path: \(directory)/app.db\n   replicas: [\n      - type: file\n")
            let output = directory + "/out.db"
            let arguments = ["restore", "-config", config, "-o", output, directory + "/app.db"]
            #expect(try await Tool.litestream.run(arguments).status == .exited(1))
            let result = try await Tool.swiftstream.run(arguments)
            try RestoreChecks.expectCleanFailure(result, output: output, mentions: [config, "line"])
            let line = result.errorLines.first.map(String.init) ?? ""
            #expect(line.contains("line 2") || line.contains("line 3") || line.contains("line 4"), "\(result)")
        }

        @Test func unknownReplicaTypeIsNamed() async throws {
            let directory = try Self.scratch("type")
            let config = directory + "/litestream.yml"
            try TestEnvironment.writeFile(
                config,
                "dbs:\n  - path: \(directory)/app.db\n    replicas:\n      - type: ftp\n        path: \(directory)/r\n")
            let output = directory + "/out.db"
            let arguments = ["restore", "-config", config, "-o", output, directory + "/app.db"]
            let reference = try await Tool.litestream.run(arguments)
            #expect(reference.status == .exited(1))
            #expect(reference.standardOutput.contains(#"unknown replica type in config: \"ftp\""#), "\(reference)")
            try RestoreChecks.expectCleanFailure(
                try await Tool.swiftstream.run(arguments), output: output,
                mentions: ["unknown replica type in config", "ftp"])
        }

        @Test func databaseNotInConfigIsNamed() async throws {
            let fixture = try await Fixture.shared()
            let directory = try Self.scratch("nodb")
            let output = directory + "/out.db"
            let missing = directory + "/not-configured.db"
            let arguments = ["restore", "-config", fixture.configPath, "-o", output, missing]
            #expect(try await Tool.litestream.run(arguments).status == .exited(1))
            try RestoreChecks.expectCleanFailure(
                try await Tool.swiftstream.run(arguments), output: output,
                mentions: ["database not found in config: \(missing)"])
        }

        @Test func existingOutputIsLeftUntouched() async throws {
            let fixture = try await Fixture.shared()
            let directory = try Self.scratch("exists")
            let output = directory + "/existing.db"
            for tool in Tool.allCases {
                try TestEnvironment.writeFile(output, "precious, not a database\n")
                let before = try #require(try FileIO.fileStatus(output))
                let result = try await tool.run([
                    "restore", "-config", fixture.configPath, "-o", output, fixture.databasePath,
                ])
                let after = try #require(try FileIO.fileStatus(output))
                #expect(
                    String(decoding: try FileIO.readAll(output), as: UTF8.self) == "precious, not a database\n",
                    "\(tool)")
                #expect(
                    before.st_mtim.tv_sec == after.st_mtim.tv_sec && before.st_mtim.tv_nsec == after.st_mtim.tv_nsec)
                let message = "cannot restore, output path already exists: \(output)"
                if tool == .litestream {
                    #expect(result.status == .exited(1))
                    #expect(result.standardOutput.contains(message), "\(result)")
                } else {
                    try RestoreChecks.expectCleanFailure(result, output: nil, mentions: [message])
                    #expect(try RestoreChecks.leftovers(of: output).isEmpty)
                }
            }
        }

        /// A copy of the fixture replica with a config pointing at it.
        private static func damagedCopy(_ label: String) async throws -> (Fixture, String, String, String) {
            let fixture = try await Fixture.shared()
            let directory = try scratch(label)
            let replica = directory + "/replica"
            try TestEnvironment.copyTree(fixture.replicaPath, to: replica)
            let config = try RestoreChecks.writeConfig(
                in: directory, databasePath: directory + "/app.db", replicaPath: replica)
            return (fixture, directory, replica, config)
        }

        private static func flipBytes(_ path: String) throws {
            var bytes = try FileIO.readAll(path)
            let middle = bytes.count / 2
            for i in middle..<min(middle + 8, bytes.count - 8) { bytes[i] ^= 0xA5 }
            try TestEnvironment.writeBytes(path, bytes)
        }

        @Test func corruptSnapshotIsReported() async throws {
            let (fixture, directory, replica, config) = try await Self.damagedCopy("snapshot")
            let generation = fixture.generations[2].id
            for snapshot in try ReplicaInspector(root: replica).snapshots(generation) {
                try Self.flipBytes(snapshot.path)
            }
            let arguments = ["restore", "-config", config, "-o", directory + "/out.db", directory + "/app.db"]
            #expect(try await Tool.litestream.run(arguments).status == .exited(1))
            let output = directory + "/ours.db"
            let result = try await Tool.swiftstream.run([
                "restore", "-config", config, "-o", output, directory + "/app.db",
            ])
            try RestoreChecks.expectCleanFailure(result, output: output, mentions: [generation])
        }

        @Test func corruptWALSegmentIsReported() async throws {
            let (fixture, directory, replica, config) = try await Self.damagedCopy("segment")
            let generation = fixture.generations[2].id
            let inspector = ReplicaInspector(root: replica)
            let lastIndex = try #require(try inspector.segments(generation).last?.index)
            // The largest segment of the last index: it is replayed by every latest restore.
            let victims = try inspector.segments(generation).filter { $0.index == lastIndex }
            let victim = try #require(
                try victims.max { try FileIO.fileStatus($0.path)!.st_size < FileIO.fileStatus($1.path)!.st_size })
            try Self.flipBytes(victim.path)
            let arguments = ["restore", "-config", config, "-o", directory + "/out.db", directory + "/app.db"]
            #expect(try await Tool.litestream.run(arguments).status == .exited(1))
            let output = directory + "/ours.db"
            let result = try await Tool.swiftstream.run([
                "restore", "-config", config, "-o", output, directory + "/app.db",
            ])
            try RestoreChecks.expectCleanFailure(
                result, output: output, mentions: [generation, Hex.format8(lastIndex)])
        }

        /// Deleting a segment in the middle of an index leaves a gap in the WAL stream.
        /// Litestream v0.3.13 does not check contiguity and silently restores less data;
        /// swiftstream must refuse.
        @Test func missingWALSegmentInTheMiddleOfAnIndexIsReported() async throws {
            let (fixture, directory, replica, config) = try await Self.damagedCopy("gap")
            let inspector = ReplicaInspector(root: replica)
            var target: (generation: String, index: Int, segment: ReplicaInspector.Segment)?
            search: for generation in fixture.generations.reversed() {
                let firstSnapshot = try inspector.snapshots(generation.id).first?.index ?? Int.max
                let byIndex = Dictionary(grouping: try inspector.segments(generation.id), by: \.index)
                for index in byIndex.keys.sorted().reversed() where index >= firstSnapshot {
                    let segments = byIndex[index]!.sorted { $0.offset < $1.offset }
                    if segments.count >= 3 {
                        target = (generation.id, index, segments[segments.count / 2])
                        break search
                    }
                }
            }
            let (generation, index, segment) = try #require(target, "no WAL index with three segments in the fixture")
            let arguments = { (output: String) in
                [
                    "restore", "-config", config, "-o", output, "-generation", generation, "-index",
                    String(index, radix: 16), directory + "/app.db",
                ]
            }
            let intact = try await Tool.litestream.run(arguments(directory + "/intact.db"))
            try #require(intact.status == .exited(0), "\(intact)")
            try FileIO.remove(segment.path)
            let reference = try await Tool.litestream.run(arguments(directory + "/gap.db"))
            #expect(reference.status == .exited(0), "Litestream v0.3.13 does not detect gaps: \(reference)")
            if reference.status == .exited(0) {
                #expect(
                    try DatabaseDigest.compute(path: directory + "/gap.db")
                        != DatabaseDigest.compute(path: directory + "/intact.db"),
                    "the deleted segment should have held committed data")
            }
            let output = directory + "/ours.db"
            let result = try await Tool.swiftstream.run(arguments(output))
            try RestoreChecks.expectCleanFailure(result, output: output, mentions: [generation, Hex.format8(index)])
        }

        /// Running as root bypasses permission bits, so the command then runs as `nobody`
        /// through `setpriv`.
        static var privilegePrefix: [String]? {
            if geteuid() != 0 { return [] }
            for candidate in ["/usr/bin/setpriv", "/bin/setpriv"] where TestEnvironment.isExecutable(candidate) {
                return [candidate, "--reuid=65534", "--regid=65534", "--clear-groups"]
            }
            return nil
        }

        @Test(
            "unreadable replica directories are named",
            .enabled(if: privilegePrefix != nil, "root without setpriv: permissions cannot be enforced"),
            arguments: ["generations", "wal"])
        func unreadableReplicaDirectory(_ which: String) async throws {
            let prefix = try #require(Self.privilegePrefix)
            let (fixture, directory, replica, config) = try await Self.damagedCopy("unreadable-\(which)")
            let locked =
                which == "generations"
                ? replica + "/generations" : "\(replica)/generations/\(fixture.generations[2].id)/wal"
            chmod(locked, 0)
            defer { chmod(locked, 0o755) }
            let arguments = ["restore", "-config", config, "-o", directory + "/out.db", directory + "/app.db"]
            #expect(try await Tool.litestream.run(arguments, prefix: prefix).status == .exited(1))
            let output = directory + "/ours.db"
            let result = try await Tool.swiftstream.run(
                ["restore", "-config", config, "-o", output, directory + "/app.db"], prefix: prefix)
            try RestoreChecks.expectCleanFailure(result, output: output, mentions: [locked])
        }
    }
}
