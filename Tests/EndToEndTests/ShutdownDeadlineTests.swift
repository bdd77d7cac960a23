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
    /// The final sync after SIGTERM has one deadline for the whole daemon (Cloud Run gives 10 s).
    @Suite struct ShutdownDeadlineTests {
        @Test func threeDatabasesShareOneDeadlineWhileTheStoreStalls() async throws {
            let scenario = try await S3Scenario.make("deadline", proxied: true, recordBodies: false)
            let proxy = try #require(scenario.proxy)
            let names = ["a", "b", "c"]
            var lines = ["final-sync-timeout: 2s", "dbs:"]
            for name in names {
                let path = scenario.directory + "/\(name).db"
                let connection = try SQLiteConnection(path: path, create: true)
                _ = try connection.scalarText("PRAGMA journal_mode=WAL")
                try connection.execute("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('first');")
                lines += [
                    "  - path: \(path)", "    monitor-interval: 100ms", "    replicas:", "      - type: s3",
                    "        bucket: \(scenario.bucket)", "        path: \(name)", "        endpoint: \(proxy.url)",
                    "        region: us-east-1", "        force-path-style: true", "        sync-interval: 100ms",
                ]
            }
            let config = scenario.directory + "/three.yml"
            try TestEnvironment.writeFile(config, lines.joined(separator: "\n") + "\n")
            let log = scenario.directory + "/three.log"
            let daemon = try ChildProcess(
                [try Tool.swiftstream.binary(), "replicate", "-config", config], environment: scenario.environment,
                standardOutput: .file(log), standardError: .append(log))
            defer { try? daemon.send(signal: SIGKILL) }
            func output() -> String { (try? FileIO.readAll(log)).map { String(decoding: $0, as: UTF8.self) } ?? "" }
            try await waitUntil("every database uploaded its first segment (\(output()))") {
                output().components("write wal segment") >= 3
            }

            // The store stops answering; every database commits once more, then SIGTERM.
            proxy.inject(Array(repeating: .stall(seconds: 30), count: 200))
            let stalledFrom = proxy.requests.count
            for name in names {
                try SQLiteConnection(path: scenario.directory + "/\(name).db").execute(
                    "INSERT INTO t VALUES ('pending');")
            }
            try await waitUntil("the daemon tries to upload into the stalled store") {
                proxy.requests.count >= stalledFrom + 3
            }
            let clock = ContinuousClock()
            let signalled = clock.now
            try daemon.send(signal: SIGTERM)
            let status = try #require(await daemon.wait(timeout: .seconds(20)), "no exit: \(output())")
            let elapsed = clock.now - signalled
            #expect(elapsed < .seconds(4), "the shutdown took \(elapsed), deadline 2s: \(output())")
            #expect(status == .exited(1), "an incomplete final sync is a failed run: \(output())")
            let incomplete = output().split(separator: "\n").filter { $0.contains("final sync incomplete") }
            for name in names {
                #expect(
                    incomplete.contains { $0.contains("/\(name).db") && $0.contains("transactions=") },
                    "database \(name): \(output())")
            }
            scenario.cleanUp()
        }
    }
}

extension String {
    /// How often `text` occurs.
    fileprivate func components(_ text: String) -> Int {
        var count = 0
        var rest = self[...]
        while let range = rest.firstRange(of: text) {
            count += 1
            rest = rest[range.upperBound...]
        }
        return count
    }
}
