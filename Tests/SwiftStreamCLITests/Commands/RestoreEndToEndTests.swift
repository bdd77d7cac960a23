import SwiftStream
import SwiftStreamSystem
import Testing
@testable import SwiftStreamCLI

/// `restore` through the real core engine, on a snapshot-only file replica.
@Suite struct RestoreEndToEndTests {
    /// Writes a small rollback-journal database as snapshot 0 of a new generation under `root`.
    static func makeReplica(root: String, scratch: String) async throws -> Generation {
        let source = scratch + "/source.db"
        let db = try SQLiteConnection(path: source, create: true)
        try db.execute("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('hello'), ('world');")
        let bytes = try FileIO.readAll(source)
        let generation = Generation.random()
        _ = try await FileReplicaClient(root: root).writeSnapshot(generation, index: 0) { sink in
            try LZ4Frame.compress(bytes).withUnsafeBytes { try sink($0) }
        }
        return generation
    }

    @Test func restoresFromAReplicaURL() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        _ = try await Self.makeReplica(root: dir.path + "/replica", scratch: dir.path)
        let output = dir.path + "/restored/app.db"
        let result = await SwiftStreamMain.run(["restore", "-o", output, "file://" + dir.path + "/replica"])
        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(result.standardOutput.isEmpty)
        #expect(result.standardError.contains(" INFO restoring snapshot "))  // Go default format, stderr
        let restored = try SQLiteConnection(path: output, readOnly: true)
        #expect(try restored.scalarText("SELECT group_concat(v, ',') FROM t") == "hello,world")

        let again = await SwiftStreamMain.run(["restore", "-o", output, "file://" + dir.path + "/replica"])
        #expect(again.exitCode == 1)
        #expect(again.standardError.contains("error=\"cannot restore, output path already exists: \(output)\""))
        let skipped = await SwiftStreamMain.run([
            "restore", "-if-db-not-exists", "-o", output, "file://" + dir.path + "/replica",
        ])
        #expect(skipped.exitCode == 0)
    }

    @Test func restoresToTheConfiguredPathWithConfigLogging() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let generation = try await Self.makeReplica(root: dir.path + "/replica", scratch: dir.path)
        let dbPath = dir.path + "/data/app.db"
        let config = try dir.write(
            "ls.yml",
            "logging:\n  type: json\ndbs:\n  - path: \(dbPath)\n    replicas:\n      - name: r1\n        path: \(dir.path)/replica\n"
        )
        let result = await SwiftStreamMain.run(["restore", "-config", config, "-generation", generation.id, dbPath])
        #expect(result.exitCode == 0, "\(result.standardError)")
        // The core logs the index as an integer: a JSON number, as in Litestream's slog output.
        #expect(
            result.standardOutput.contains(
                "\"level\":\"INFO\",\"msg\":\"restoring snapshot\",\"db\":\"\(dbPath)\",\"replica\":\"r1\","
                    + "\"generation\":\"\(generation.id)\",\"index\":0,\"path\":\"\(dbPath).tmp\"}\n"),
            "\(result.standardOutput)")
        #expect(FileIO.exists(dbPath))
    }

    @Test func passesAProgressClosureOnlyOnATerminal() async throws {
        let seen = RecordingEngine(.noMatchingBackups)
        let arguments = ["restore", "-if-replica-exists", "-o", "/nonexistent/out.db", "file:///nonexistent/replica"]
        let terminal = await SwiftStreamMain.run(arguments, restoreEngine: seen.engine, standardErrorIsTerminal: true)
        #expect(terminal.exitCode == 0)
        #expect(seen.last?.options.progress != nil)
        _ = await SwiftStreamMain.run(arguments, restoreEngine: seen.engine)
        #expect(seen.last?.options.progress == nil)
    }

    @Test func progressLineRedrawsInPlace() {
        let sink = BufferSink(isTerminal: true)
        let line = ProgressLine(sink: sink)
        line.finish()
        #expect(sink.text.isEmpty)
        line.draw(bytesDone: 1_500_000, bytesTotal: 3_000_000, segmentsDone: 1, segmentsTotal: 4)
        line.finish()
        #expect(sink.text.hasPrefix("\rrestoring: 1.5/3.0 MB, wal segments 1/4, "))
        #expect(sink.text.hasSuffix(" MB/s\u{1B}[K\n"))
        #expect(ProgressLine.decimal(2.25, 1) == "2.3" && ProgressLine.decimal(0.04, 1) == "0.0")
    }
}
