#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import PeerTestSupport
import SwiftStream
import SwiftStreamSystem
import Testing

/// A running `replicate` of Litestream or swiftstream, its output in a log file.
final class ReplicateDaemon: Sendable, CustomStringConvertible {
    let tool: Tool
    let process: ChildProcess
    let logPath: String

    var description: String { "\(tool) replicate (pid \(process.pid), log \(logPath))" }

    /// A daemon left running by a failing test is killed when the test lets go of it.
    deinit { try? process.send(signal: SIGKILL) }

    /// Starts `<tool> replicate <arguments>` with stdout and stderr appended to `logPath`.
    init(_ tool: Tool, _ arguments: [String], logPath: String, environment: [String: String?] = [:]) throws {
        self.tool = tool
        self.logPath = logPath
        var overrides: [String: String?] = ["LITESTREAM_CONFIG": nil]
        overrides.merge(environment) { $1 }
        process = try ChildProcess(
            [try tool.binary(), "replicate"] + arguments, environment: .inherit(overrides),
            standardOutput: .append(logPath), standardError: .append(logPath))
    }

    /// Everything the daemon printed so far.
    var log: String { (try? FileIO.readAll(logPath)).map { String(decoding: $0, as: UTF8.self) } ?? "" }

    /// Throws (with the log) if the daemon has already exited.
    func checkRunning() throws {
        if let status = process.poll() {
            throw SwiftStreamError(.io, "\(self) exited early with \(status):\n\(log)")
        }
    }

    /// Sends `signal` and waits for the exit; throws (with the log) if it takes longer than `timeout`.
    @discardableResult
    func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(30)) async throws -> ChildProcess.ExitStatus {
        try? process.send(signal: signal)
        guard let status = await process.wait(timeout: timeout) else {
            try? process.send(signal: SIGKILL)
            _ = await process.wait()
            throw SwiftStreamError(.io, "\(self) did not exit within \(timeout) of signal \(signal):\n\(log)")
        }
        return status
    }

    /// SIGTERM, expecting a clean exit 0.
    func stopCleanly(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let status = try await stop()
        #expect(status == .exited(0), "\(self) after SIGTERM:\n\(log)", sourceLocation: sourceLocation)
    }

    /// Kills the daemon without warning.
    func kill() async {
        try? process.send(signal: SIGKILL)
        _ = await process.wait()
    }

    /// Waits until the replica holds everything committed to `databasePath` (the application
    /// must be idle), failing early if the daemon exits.
    func waitForCatchUp(databasePath: String, replicaPath: String, timeout: Duration = .seconds(30)) async throws {
        try await waitUntil("\(self) uploaded everything committed", timeout: timeout) {
            try checkRunning()
            return try ReplicaInspector.isCaughtUp(databasePath: databasePath, replicaRoot: replicaPath)
        }
    }

    /// True while this daemon holds one of SQLite's WAL read marks of `databasePath` (a POSIX
    /// lock on bytes 123...127 of the `-shm` file, listed in /proc/locks), i.e. it has opened
    /// the database and holds the read transaction that stops the WAL from restarting.
    func holdsReadLock(databasePath: String) throws -> Bool {
        guard let shm = try FileIO.fileStatus(databasePath + "-shm") else { return false }
        let locks = try Self.readProcFile("/proc/locks")
        for line in locks.split(separator: "\n") {
            // "1: POSIX  ADVISORY  READ 1234 08:01:5678 123 123"
            let fields = line.split(separator: " ")
            guard fields.count >= 8, fields[1] == "POSIX", Int32(fields[4]) == process.pid,
                let inode = fields[5].split(separator: ":").last.flatMap({ UInt64($0) }),
                inode == UInt64(shm.st_ino), let start = Int(fields[6])
            else { continue }
            if (123...127).contains(start) { return true }
        }
        return false
    }

    /// Reads a file whose size `stat` does not report, such as those in /proc.
    static func readProcFile(_ path: String) throws -> String {
        String(decoding: try FileIO.readAll(path), as: UTF8.self)
    }

    /// The files the daemon has mapped (its shared libraries among them), from /proc/<pid>/maps.
    func mappedFiles() throws -> Set<String> {
        let maps = try Self.readProcFile("/proc/\(process.pid)/maps")
        // "7f00...-7f00... r--p 00000000 08:01 1234   /usr/lib/x86_64-linux-gnu/libc.so.6"
        return Set(
            maps.split(separator: "\n").compactMap { line in line.firstIndex(of: "/").map { String(line[$0...]) } })
    }

    /// Waits until the daemon holds its read lock (see `holdsReadLock`).
    func waitForReadLock(databasePath: String) async throws {
        try await waitUntil("\(self) holds a WAL read lock") {
            try checkRunning()
            return try holdsReadLock(databasePath: databasePath)
        }
    }

    /// The generation named in the meta directory of `databasePath`, if any.
    static func currentGeneration(databasePath: String) throws -> String? {
        let file = Path.dirname(databasePath) + "/." + Path.basename(databasePath) + "-litestream/generation"
        guard FileIO.exists(file) else { return nil }
        let text = String(decoding: try FileIO.readAll(file), as: UTF8.self).trimmingCharacters(in: " \n")
        return Generation(text) == nil ? nil : text
    }

    /// A config with small intervals so that a few seconds of load make several WAL indexes.
    static func config(
        databasePath: String, replicaPath: String, minCheckpointPageCount: Int = 64, syncInterval: String = "100ms",
        replicaLines: [String] = [], topLines: [String] = []
    ) -> String {
        """
        \(topLines.joined(separator: "\n"))
        dbs:
          - path: \(databasePath)
            monitor-interval: 100ms
            min-checkpoint-page-count: \(minCheckpointPageCount)
            replicas:
              - type: file
                path: \(replicaPath)
                sync-interval: \(syncInterval)
        \(replicaLines.map { "        " + $0 }.joined(separator: "\n"))
        """
    }
}

/// One scenario's files: the live database, its replica, the config and the daemons' logs.
struct Scenario {
    var directory: String
    var databasePath: String
    var replicaPath: String
    var configPath: String
    private var runs = 0

    init(
        _ label: String, minCheckpointPageCount: Int = 64, syncInterval: String = "100ms", replicaLines: [String] = [],
        topLines: [String] = []
    ) throws {
        directory = try TestEnvironment.makeScratchDirectory(label)
        databasePath = directory + "/app.db"
        replicaPath = directory + "/replica"
        configPath = directory + "/litestream.yml"
        try TestEnvironment.writeFile(
            configPath,
            ReplicateDaemon.config(
                databasePath: databasePath, replicaPath: replicaPath, minCheckpointPageCount: minCheckpointPageCount,
                syncInterval: syncInterval, replicaLines: replicaLines, topLines: topLines))
    }

    var replicaURL: String { "file://" + replicaPath }
    var inspector: ReplicaInspector { ReplicaInspector(root: replicaPath) }

    /// Starts `tool replicate -config <config>` with a fresh log file.
    mutating func start(
        _ tool: Tool, extraArguments: [String] = [], environment: [String: String?] = [:]
    ) throws -> ReplicateDaemon {
        runs += 1
        return try ReplicateDaemon(
            tool, ["-config", configPath] + extraArguments, logPath: directory + "/\(tool)-\(runs).log",
            environment: environment)
    }

    /// Waits until `daemon` has a generation with a snapshot in the replica; returns it.
    func waitForGeneration(_ daemon: ReplicateDaemon, other previous: String? = nil) async throws -> String {
        var generation = ""
        try await waitUntil("\(daemon) has a generation with a snapshot") {
            try daemon.checkRunning()
            guard let current = try ReplicateDaemon.currentGeneration(databasePath: databasePath),
                current != previous
            else { return false }
            generation = current
            return try !inspector.snapshots(current).isEmpty
        }
        return generation
    }

    /// The number of WAL indexes of the daemon's current generation in the replica.
    func currentIndexCount() throws -> Int {
        guard let generation = try ReplicateDaemon.currentGeneration(databasePath: databasePath) else { return 0 }
        return Set(try inspector.segments(generation).map(\.index)).count
    }

    /// Restores the replica (config mode) with both tools; expects both to equal `expected`,
    /// pass `integrity_check` and hold every transaction up to `acknowledged`.
    func expectRestoresEqual(
        _ expected: DatabaseDigest, acknowledged: Int64? = nil, arguments: [String] = [], label: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        for tool in Tool.allCases {
            let restored = try await RestoreChecks.restore(
                tool, ["-config", configPath] + arguments + [databasePath], into: directory, label: label,
                sourceLocation: sourceLocation)
            guard let digest = restored.digest else { continue }
            #expect(digest.userTables == expected, "\(tool) restore (\(label))", sourceLocation: sourceLocation)
            let integrity = try SQLiteConnection(path: restored.output, readOnly: true).integrityCheck()
            #expect(integrity == "ok", "\(tool) restore (\(label)) integrity", sourceLocation: sourceLocation)
            if let acknowledged {
                try Workload.expectLedger(
                    at: restored.output, holdsAtLeast: acknowledged, sourceLocation: sourceLocation)
            }
        }
    }
}
