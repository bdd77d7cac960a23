import Foundation
import Logging
import PeerTestSupport
import SwiftStreamSystem
import Synchronization
import Testing
@testable import SwiftStream

/// A fresh directory under /tmp, removed by `remove()`.
struct TemporaryDirectory: Sendable {
    let path: String

    init(_ prefix: String = "swst-repl") throws {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.flatMap { mkdtemp($0) }.map { String(cString: $0) }
        }
        guard let made else { throw SystemError("mkdtemp", "/tmp", errno: errno) }
        path = made
    }

    func remove() { try? FileIO.removeTree(path) }
}

/// Records log events for assertions.
final class LogRecorder: Sendable {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: Logger.Metadata
    }

    private let entries = Mutex<[Entry]>([])

    func append(_ entry: Entry) { entries.withLock { $0.append(entry) } }
    var all: [Entry] { entries.withLock { $0 } }
    func messages(_ text: String) -> [Entry] { all.filter { $0.message == text } }

    func logger(_ label: String = "test") -> Logger {
        var logger = Logger(label: label) { _ in RecordingLogHandler(recorder: self) }
        logger.logLevel = .debug
        return logger
    }
}

struct RecordingLogHandler: LogHandler {
    let recorder: LogRecorder
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .debug
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        recorder.append(.init(level: event.level, message: event.message.description, metadata: merged))
        if ProcessInfo.processInfo.environment["SWST_TEST_LOG"] != nil {
            print("[\(event.level)] \(event.message) \(merged)")
        }
    }
}

/// The application side: one connection that creates and writes the database.
final class AppWriter: Sendable {
    let connection: SQLiteConnection
    private let counter = Mutex(0)

    init(path: String) throws {
        connection = try SQLiteConnection(path: path, create: true)
        connection.setBusyTimeout(milliseconds: 10_000)
        _ = try connection.query("PRAGMA journal_mode = wal;")
        try connection.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT, b BLOB);")
    }

    /// Inserts `rows` rows of ~600 bytes in one transaction.
    func insert(rows: Int = 5) throws {
        try connection.execute("BEGIN IMMEDIATE;")
        do {
            for _ in 0..<rows {
                let n = counter.withLock { value -> Int in
                    value += 1
                    return value
                }
                try connection.query("INSERT INTO t (v, b) VALUES (?, randomblob(600));", [.text("row \(n)")])
            }
            try connection.execute("COMMIT;")
        } catch {
            try? connection.execute("ROLLBACK;")
            throw error
        }
    }

    /// Writes batches until cancelled or `batches` done.
    func write(batches: Int, rows: Int = 5, pause: Duration = .milliseconds(5)) async throws {
        for _ in 0..<batches {
            try insert(rows: rows)
            try await Task.sleep(for: pause)  // pacing of the writes, not a wait
        }
    }

    func digest() throws -> String { try contentDigest(connection) }
}

/// Content of every user table (not `sqlite_*`, not `_litestream_*`), in rowid order.
func contentDigest(_ connection: SQLiteConnection) throws -> String {
    let tables = try connection.query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' AND name NOT LIKE '\\_litestream%' ESCAPE '\\' ORDER BY name;"
    )
    var text = ""
    for row in tables {
        guard case .text(let name) = row[0] else { continue }
        text += "table \(name)\n"
        for values in try connection.query("SELECT * FROM \"\(name)\" ORDER BY rowid;") {
            text += values.map { "\($0)" }.joined(separator: "|") + "\n"
        }
    }
    return text
}

func contentDigest(path: String) throws -> String {
    try contentDigest(SQLiteConnection(path: path, readOnly: true))
}

/// A child process for these tests: the core's `ChildProcess` (empty signal mask, default
/// dispositions, stdin /dev/null) with stdout and stderr appended to one log file and a minimal
/// environment.
struct ChildProcessForTests: Sendable {
    let process: ChildProcess
    let logPath: String

    var pid: pid_t { process.pid }

    static func spawn(_ arguments: [String], logPath: String) throws -> ChildProcessForTests {
        let process = try ChildProcess(
            arguments, environment: .exactly(["PATH": "/usr/bin:/bin", "HOME": "/tmp"]),
            standardOutput: .append(logPath), standardError: .append(logPath))
        return ChildProcessForTests(process: process, logPath: logPath)
    }

    /// Waits for exit; returns the exit status (128+N for signal N), nil on timeout.
    func wait(timeout: Duration = .seconds(30)) async throws -> Int32? {
        await process.wait(timeout: timeout)?.shellStyleCode
    }

    func signal(_ signal: Int32) { try? process.send(signal: signal) }

    var log: String { (try? String(decoding: FileIO.readAll(logPath), as: UTF8.self)) ?? "" }
}

/// Runs a command to completion; returns (status, combined output).
func runCommand(_ arguments: [String], in directory: TemporaryDirectory) async throws -> (Int32, String) {
    let logPath = directory.path + "/cmd-\(UInt32.random(in: 0...UInt32.max)).log"
    let child = try ChildProcessForTests.spawn(arguments, logPath: logPath)
    guard let status = try await child.wait() else {
        child.signal(SIGKILL)
        _ = try await child.wait()
        Issue.record("command timed out: \(arguments)")
        return (-1, child.log)
    }
    return (status, child.log)
}

/// Restores `file://<replica>` with the real Litestream into `<dir>/<name>` and returns its path.
func litestreamRestore(
    replica: String, in directory: TemporaryDirectory, name: String = "restored.db",
    sourceLocation: SourceLocation = #_sourceLocation
) async throws -> String {
    let binary = try PeerBinaries.litestream()
    let output = directory.path + "/" + name
    let (status, log) = try await runCommand(
        [binary, "restore", "-o", output, "file://" + replica], in: directory)
    #expect(status == 0, "litestream restore failed: \(log)", sourceLocation: sourceLocation)
    return output
}

/// Restores `file://<replica>` with the real Litestream and expects the application's content.
func expectLitestreamRestoreMatches(
    _ app: AppWriter, replica: String, in directory: TemporaryDirectory,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws {
    let restored = try await litestreamRestore(replica: replica, in: directory, sourceLocation: sourceLocation)
    #expect(try contentDigest(path: restored) == app.digest(), sourceLocation: sourceLocation)
}

/// Objects of a file replica as (generation, snapshots, segments).
struct ReplicaListing {
    var generations: [Generation]
    var snapshots: [SnapshotInfo]
    var segments: [WALSegmentInfo]

    init(_ client: FileReplicaClient) async throws {
        generations = try await client.generations()
        snapshots = []
        segments = []
        for generation in generations {
            snapshots += try await client.snapshots(in: generation)
            segments += try await client.walSegments(in: generation)
        }
    }
}

extension Database {
    /// Replicas' positions, for polling.
    func replicaPositions() async -> [WALPosition?] {
        var result: [WALPosition?] = []
        for replica in replicas { result.append(await replica.currentPosition) }
        return result
    }

    /// True once every replica has uploaded the whole shadow WAL.
    func replicasCaughtUp() async throws -> Bool {
        guard let target = try position() else { return false }
        for replica in replicas where await replica.currentPosition != target { return false }
        return true
    }
}

/// Runs `database` (open + run) in a child task while `body` runs, then cancels the run and closes.
/// What most replication tests start from: a temporary directory with an application database
/// (`app.db`, written through `AppWriter`) and a file replica beside it (`replica`).
func fileReplicaScenario() throws -> (
    directory: TemporaryDirectory, databasePath: String, replicaRoot: String, app: AppWriter,
    client: FileReplicaClient
) {
    let directory = try TemporaryDirectory()
    let databasePath = directory.path + "/app.db"
    let replicaRoot = directory.path + "/replica"
    do {
        return (
            directory, databasePath, replicaRoot, try AppWriter(path: databasePath),
            FileReplicaClient(root: replicaRoot)
        )
    } catch {
        directory.remove()
        throw error
    }
}

/// A database at `path` replicating to `client` (replica name "file").
func replicatingDatabase(
    _ path: String, to client: any ReplicaClient, settings: DatabaseSettings = fastSettings(),
    replicaSettings: ReplicaSettings = fastReplicaSettings(), logs: LogRecorder = LogRecorder()
) -> Database {
    Database(
        path: path, settings: settings, replicas: [(name: "file", client: client, settings: replicaSettings)],
        logger: logs.logger())
}

func withRunningDatabase<T: Sendable>(
    _ database: Database, closeTimeout: Duration? = nil, _ body: () async throws -> T
) async throws -> T {
    try await database.open()
    let runner = Task { try await database.run() }
    do {
        let result = try await body()
        runner.cancel()
        _ = await runner.result
        try await database.close(timeout: closeTimeout)
        return result
    } catch {
        runner.cancel()
        _ = await runner.result
        try? await database.close(timeout: closeTimeout)
        throw error
    }
}

/// Short intervals for tests.
func fastSettings(minCheckpointPages: Int = 1000) -> DatabaseSettings {
    var settings = DatabaseSettings()
    settings.monitorInterval = .milliseconds(50)
    settings.checkpointInterval = .zero
    settings.minCheckpointPageCount = minCheckpointPages
    return settings
}

func fastReplicaSettings() -> ReplicaSettings {
    var settings = ReplicaSettings()
    settings.syncInterval = .milliseconds(50)
    settings.retention = .zero
    return settings
}
