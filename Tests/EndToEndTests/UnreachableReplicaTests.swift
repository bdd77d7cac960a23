import Foundation
import Testing

extension EndToEnd {
    /// Listings of a database with a readable file replica and an S3 replica nobody listens for
    /// (connections refused on 127.0.0.1:1): `-json` keeps stdout parseable and exits 1 naming the
    /// replica; a table exits 0 like Litestream while one replica is readable, else 1
    /// (compatibility.md, "Deliberately different"). Each run spends the S3 retry budget (~5 s).
    @Suite struct UnreachableReplicaTests {
        static let secret = "e2e-secret-never-printed"

        /// A config with the fixture's file replica `file` and the unreachable `remote`.
        static func config(_ fixture: Fixture) throws -> String {
            let path = try TestEnvironment.makeScratchDirectory("unreachable") + "/two.yml"
            try TestEnvironment.writeFile(
                path,
                """
                dbs:
                  - path: \(fixture.databasePath)
                    replicas:
                      - name: file
                        path: \(fixture.replicaPath)
                      - name: remote
                        url: s3://bkt/app
                        endpoint: http://127.0.0.1:1
                        region: us-east-1
                        access-key-id: AKIDUNREACHABLE
                        secret-access-key: \(secret)

                """)
            return path
        }

        /// The ERROR records naming `remote`, on stderr, without the secret.
        static func expectRemoteNamed(_ result: CommandResult) {
            let lines = result.errorLines.filter { $0.contains("level=ERROR") && $0.contains("replica=remote") }
            #expect(lines.count == 1 && lines[0].contains("127.0.0.1"), "\(result)")
            #expect(!result.standardError.contains(secret) && !result.standardOutput.contains(secret))
        }

        /// One test, all runs at once: the suite is serialized and every run waits out the retries.
        @Test func jsonExits1AndTableExits1OnlyWhenEveryReplicaFailed() async throws {
            let fixture = try await Fixture.shared()
            let config = try Self.config(fixture)
            let both = ["snapshots", "-config", config, fixture.databasePath]
            let onlyRemote = ["snapshots", "-config", config, "-replica", "remote", fixture.databasePath]
            async let json = withThrowingTaskGroup(of: CommandResult.self) { group in
                for command in ["snapshots", "generations", "wal"] {
                    group.addTask {
                        try await Tool.swiftstream.run([command, "-config", config, "-json", fixture.databasePath])
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            async let reference = Tool.litestream.run(both)
            async let ours = Tool.swiftstream.run(both)
            async let failed = Tool.swiftstream.run(onlyRemote)

            for result in try await json {
                #expect(result.status == .exited(1), "\(result)")
                let rows = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [Any]
                #expect(rows?.isEmpty == false, "\(result)")
                Self.expectRemoteNamed(result)
            }

            let (litestream, readable, unreadable) = try await (reference, ours, failed)
            #expect(litestream.status == .exited(0), "\(litestream)")
            #expect(readable.status == .exited(0), "\(readable)")
            // As in Litestream: the record on stdout before the table.
            #expect(readable.standardOutput.hasPrefix("time="), "\(readable)")
            #expect(readable.standardOutput.contains("msg=\"cannot determine snapshots\" replica=remote"))
            #expect(readable.standardError.isEmpty, "\(readable)")

            #expect(unreadable.status == .exited(1), "\(unreadable)")
            #expect(unreadable.standardOutput == "replica  generation  index  size  created\n", "\(unreadable)")
            Self.expectRemoteNamed(unreadable)
        }
    }
}
