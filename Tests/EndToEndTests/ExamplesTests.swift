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
    /// Each example's entrypoint, run outside a container against a file replica: a first start
    /// with no replica, a second start in a fresh directory that restores the first run's rows,
    /// and a final restore that holds the rows of both runs.
    @Suite struct ExamplesTests {
        @Test(arguments: ["cloud-run", "kubernetes", "docker-compose"])
        func entrypointRestoresThenReplicates(_ example: String) async throws {
            let root = try TestEnvironment.makeScratchDirectory("example-\(example)")
            let replica = root + "/replica"
            let first = try await run(example, root: root, replica: replica, number: 1, restored: [])
            #expect(try ReplicaInspector(root: replica).generations().count == 1)
            let second = try await run(example, root: root, replica: replica, number: 2, restored: first)
            #expect(Array(second.prefix(first.count)) == first, "run 2 started from run 1's rows")

            let third = root + "/third"
            try FileIO.makeDirectories(third)
            for tool in Tool.allCases {
                let restored = try await RestoreChecks.restore(
                    tool, ["file://" + replica], into: third, label: "both-runs")
                guard restored.digest != nil else { continue }
                let rows = try events(restored.output)
                #expect(rows == second, "\(tool) restore holds every row of both runs")
                #expect(rows?.filter { $0.last == .text("shutdown") }.count == 2, "one 'shutdown' row per run")
            }
        }

        /// `SELECT id, note FROM events`, nil while the table does not exist yet.
        private func events(_ path: String) throws -> [[SQLiteConnection.Value]]? {
            guard FileIO.exists(path) else { return nil }
            let connection = try SQLiteConnection(path: path, readOnly: true)
            connection.setBusyTimeout(milliseconds: 2000)
            let tables = try connection.query("SELECT name FROM sqlite_master WHERE name = 'events'")
            guard !tables.isEmpty else { return nil }
            return try connection.query("SELECT id, note FROM events ORDER BY id")
        }

        /// Runs the entrypoint in a fresh directory until the app wrote five more rows than it
        /// restored, stops it with SIGTERM and returns the database's rows.
        private func run(
            _ example: String, root: String, replica: String, number: Int, restored: [[SQLiteConnection.Value]]
        ) async throws -> [[SQLiteConnection.Value]] {
            let directory = root + "/run\(number)"
            let database = directory + "/data/app.db"
            let log = root + "/run\(number).log"
            let examples = TestEnvironment.packageRoot + "/Examples"
            let entrypoint = try ChildProcess(
                ["/bin/sh", "\(examples)/\(example)/entrypoint.sh"],
                environment: .inherit([
                    "SWIFTSTREAM": try TestEnvironment.swiftstream(),
                    "SWIFTSTREAM_CONFIG": "\(examples)/\(example)/litestream.yml",
                    "DB_PATH": database,
                    "REPLICA_URL": "file://" + replica,
                    "APP_COMMAND": "\(examples)/app/app.sh",
                    "APP_WRITE_INTERVAL": "0.1",
                    "LITESTREAM_CONFIG": nil, "S3_ENDPOINT": nil,
                ]), standardOutput: .append(log), standardError: .append(log))
            func logText() -> String { (try? FileIO.readAll(log)).map { String(decoding: $0, as: UTF8.self) } ?? "" }
            let generationsBefore = (try? ReplicaInspector(root: replica).generations()) ?? []
            do {
                // Both the app's writes and a periodic sync (a new generation: each run starts
                // from a fresh directory) happen before the SIGTERM.
                try await waitUntil("run \(number) of \(example): 5 rows written and replicated (log \(log))") {
                    if let status = entrypoint.poll() {
                        throw SwiftStreamError(.io, "entrypoint exited early with \(status):\n\(logText())")
                    }
                    guard let rows = try? events(database), rows.count >= restored.count + 5 else { return false }
                    let generations = (try? ReplicaInspector(root: replica).generations()) ?? []
                    return generations.count > generationsBefore.count
                }
            } catch {
                _ = await entrypoint.terminate(gracePeriod: .seconds(5))
                throw error
            }
            if number > 1 {
                let rows = try #require(try events(database))
                #expect(Array(rows.prefix(restored.count)) == restored, "run \(number) restored the earlier rows")
            }
            try entrypoint.send(signal: SIGTERM)
            let status = await entrypoint.wait(timeout: .seconds(30))
            if status == nil { try? entrypoint.send(signal: SIGKILL) }
            #expect(status == .exited(0), "\(example) run \(number) after SIGTERM:\n\(logText())")
            let rows = try #require(try events(database))
            #expect(rows.last?.last == .text("shutdown"), "the app's final row")
            return rows
        }
    }
}
