#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import Foundation
import SwiftStreamSystem
import Testing
@testable import SwiftStreamCLI

/// Listings with a replica that cannot be read (json-output.md, "Errors"): `-json` keeps stdout
/// parseable and exits 1; a table exits 1 only when every requested replica failed.
@Suite struct ListingFailureTests {
    /// `ReplicaFixture` plus a file replica `broken` whose path is a symlink to itself, so that
    /// listing it fails at once with ELOOP (tests run as root: permission bits would not stop them).
    struct TwoReplicas {
        let fixture: ReplicaFixture
        let loop: TemporaryDirectory

        /// `moreYAML` adds replicas after `broken`.
        init(moreYAML: String = "") throws {
            loop = try TemporaryDirectory()
            let path = loop.path + "/loop"
            guard symlink(path, path) == 0 else { throw SystemError("symlink", path, errno: errno) }
            fixture = try ReplicaFixture(extraReplicaYAML: "      - name: broken\n        path: \(path)\n" + moreYAML)
        }

        func remove() {
            fixture.remove()
            loop.remove()
        }
    }

    static let listings = ["snapshots", "generations", "wal"]

    /// The stderr lines naming the `broken` replica.
    static func brokenLines(_ text: String) -> [Substring] {
        text.split(separator: "\n").filter { $0.contains("level=ERROR") && $0.contains("replica=broken") }
    }

    @Test(arguments: listings)
    func jsonStaysParseableAndExits1(command: String) async throws {
        let replicas = try TwoReplicas()
        defer { replicas.remove() }
        let result = await replicas.fixture.run([command, "-json", replicas.fixture.dbPath])
        #expect(result.exitCode == 1)
        let rows = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [[String: Any]]
        let names = Set((rows ?? []).compactMap { ($0["replica"] ?? $0["name"]) as? String })
        #expect(names == ["local"], "\(result.standardOutput)")
        let lines = Self.brokenLines(result.standardError)
        #expect(lines.count == 1 && lines[0].contains("too many levels of symbolic links"), "\(result.standardError)")
    }

    @Test(arguments: listings)
    func tableWithOneReadableReplicaKeepsLitestreamsExit0(command: String) async throws {
        let replicas = try TwoReplicas()
        defer { replicas.remove() }
        let result = await replicas.fixture.run([command, replicas.fixture.dbPath])
        #expect(result.exitCode == 0)
        // As in Litestream: the record on stdout (the config's default), before the table.
        let lines = result.standardOutput.split(separator: "\n")
        #expect(lines.count > 2 && Self.brokenLines(String(lines[0])).count == 1, "\(result.standardOutput)")
        #expect(lines.contains { $0.hasPrefix("local ") })
        #expect(result.standardError.isEmpty)
    }

    @Test(arguments: listings)
    func tableWithOnlyFailedReplicasExits1(command: String) async throws {
        let replicas = try TwoReplicas()
        defer { replicas.remove() }
        let result = await replicas.fixture.run([command, "-replica", "broken", replicas.fixture.dbPath])
        #expect(result.exitCode == 1)
        // Only the (empty) table on stdout; the failure on stderr.
        #expect(result.standardOutput.split(separator: "\n").count == 1, "\(result.standardOutput)")
        #expect(Self.brokenLines(result.standardError).count == 1, "\(result.standardError)")
    }

    @Test func failuresBeforeAReplicaWithoutClientAreStillLogged() async throws {
        let replicas = try TwoReplicas(moreYAML: "      - url: gcs://bkt/app")
        defer { replicas.remove() }
        let result = await replicas.fixture.run(["snapshots", replicas.fixture.dbPath])
        #expect(result.exitCode == 1)
        #expect(Self.brokenLines(result.standardOutput).count == 1, "\(result.standardOutput)")
        #expect(result.standardError.contains("replica type \\\"gcs\\\" is not supported"), "\(result.standardError)")
    }

    @Test func jsonWithoutFailuresExits0() async throws {
        let replicas = try TwoReplicas()
        defer { replicas.remove() }
        let result = await replicas.fixture.run(["snapshots", "-json", "-replica", "local", replicas.fixture.dbPath])
        #expect(result.exitCode == 0 && result.standardError.isEmpty)
        #expect(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) is [Any])
    }
}
