#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import PeerTestSupport
import SwiftStream
import SwiftStreamSystem

/// A file replica written by the real Litestream v0.3.13 while an application (this test
/// process, through `SQLiteConnection`) writes to the database, built once per test run.
///
/// Shape of the history (batch numbers are the `items.batch` values):
/// - generation A: batches 1-4 (inserts, updates, deletes, blobs larger than a page, an
///   app-driven RESTART and TRUNCATE checkpoint attempt, enough volume for Litestream's own
///   checkpoints so the WAL index advances); points in time after batches 1, 2 and 3;
/// - Litestream stopped; batch 5 plus filler so the database is an exact multiple of 4 MiB,
///   checkpointed with TRUNCATE; Litestream restarted → generation B, whose first snapshot has
///   Litestream's empty trailing LZ4 block; batches 6-7, a point in time after batch 6;
/// - Litestream stopped; batch 8, TRUNCATE, the application closes and the WAL is deleted;
///   Litestream restarted with `snapshot-interval` → generation C: batches 9-11 and a second
///   snapshot at a later WAL index (no point in time here: interval snapshots rewrite objects,
///   so which snapshot is older than a given time is not stable);
/// - Litestream stopped with SIGTERM (final sync); the application closes the database.
struct Fixture: Sendable {
    struct GenerationRecord: Sendable {
        var id: String
        var batches: ClosedRange<Int>
        /// User-table digest when Litestream stopped replicating this generation.
        var finalDigest: DatabaseDigest
    }

    struct PointInTime: Sendable {
        /// RFC 3339, whole seconds, strictly between the uploads of `batch` and `batch + 1`.
        var timestamp: String
        var generation: String
        var batch: Int
        var digest: DatabaseDigest
        var batchCounts: [Int64: Int64]
    }

    var directory: String
    var databasePath: String
    var replicaPath: String
    var configPath: String
    var generations: [GenerationRecord]
    var pointsInTime: [PointInTime]
    var finalDigest: DatabaseDigest
    var finalBatchCounts: [Int64: Int64]
    /// Generation B's first snapshot, taken of a database whose size is a multiple of 4 MiB.
    var alignedSnapshotGeneration: String
    var alignedDatabaseSize: Int
    var buildDuration: Duration

    var replicaURL: String { "file://" + replicaPath }

    func generation(_ name: String) -> GenerationRecord? { generations.first { $0.id == name } }

    /// The shared fixture, built on first use.
    static func shared() async throws -> Fixture { try await sharedTask.value }

    private static let sharedTask = Task<Fixture, any Error> { try await FixtureBuilder().build() }

    /// A config file for this fixture's database and replica, with optional extra replica keys.
    static func config(databasePath: String, replicaPath: String, extraReplicaLines: [String] = []) -> String {
        """
        dbs:
          - path: \(databasePath)
            monitor-interval: 100ms
            min-checkpoint-page-count: 200
            replicas:
              - type: file
                path: \(replicaPath)
                sync-interval: 100ms
        \(extraReplicaLines.map { "        " + $0 }.joined(separator: "\n"))
        """
    }
}

/// Drives the application writes and the Litestream process for `Fixture`.
final class FixtureBuilder {
    private var writer: SQLiteConnection?
    private var litestream: ChildProcess?
    private var runs = 0
    private var directory = ""
    private var databasePath = ""
    private var replicaPath = ""
    private var configPath = ""
    private var batchDigests: [Int: (DatabaseDigest, [Int64: Int64])] = [:]

    /// The digest and row counts recorded after `batch` was written.
    private func written(_ batch: Int) throws -> (DatabaseDigest, [Int64: Int64]) {
        guard let recorded = batchDigests[batch] else {
            throw SwiftStreamError(.internalError, "fixture: batch \(batch) was not written")
        }
        return recorded
    }

    func build() async throws -> Fixture {
        let clock = ContinuousClock()
        let start = clock.now
        directory = try TestEnvironment.makeScratchDirectory("fixture")
        databasePath = directory + "/app.db"
        replicaPath = directory + "/replica"
        configPath = directory + "/litestream.yml"
        try TestEnvironment.writeFile(
            configPath, Fixture.config(databasePath: databasePath, replicaPath: replicaPath))
        let snapshotIntervalConfig = directory + "/litestream-snapshot-interval.yml"
        try TestEnvironment.writeFile(
            snapshotIntervalConfig,
            Fixture.config(
                databasePath: databasePath, replicaPath: replicaPath, extraReplicaLines: ["snapshot-interval: 2s"]))
        _ = try TestEnvironment.litestream()
        defer {
            if let litestream { try? litestream.send(signal: SIGKILL) }
        }

        try openWriter()
        try createSchema()
        var generations: [Fixture.GenerationRecord] = []
        var points: [Fixture.PointInTime] = []

        // Generation A.
        try writeBatch(1, transactions: 3)
        let genA = try await startLitestream(config: configPath, previousGeneration: nil)
        points.append(try await pointInTime(after: 1, generation: genA))
        try writeBatch(2, transactions: 4, pause: .milliseconds(150))
        try appCheckpoint("RESTART")
        try await waitForCatchUp("batch 2")
        points.append(try await pointInTime(after: 2, generation: genA))
        try writeBatch(3, transactions: 8, rowsPerTransaction: 16, pause: .milliseconds(120))
        try await waitForCatchUp("batch 3")
        points.append(try await pointInTime(after: 3, generation: genA))
        try writeBatch(4, transactions: 3)
        try appCheckpoint("TRUNCATE")
        try await waitForCatchUp("batch 4")
        try await stopLitestream()
        generations.append(.init(id: genA, batches: 1...4, finalDigest: try written(4).0))

        // Generation B: written while Litestream is down, database grown to a multiple of 4 MiB.
        try writeBatch(5, transactions: 2)
        let alignedSize = try growToMultipleOfFourMiB()
        let genB = try await startLitestream(config: configPath, previousGeneration: genA)
        try writeBatch(6, transactions: 4, pause: .milliseconds(150))
        try await waitForCatchUp("batch 6")
        points.append(try await pointInTime(after: 6, generation: genB))
        try writeBatch(7, transactions: 3)
        try await waitForCatchUp("batch 7")
        try await stopLitestream()
        generations.append(.init(id: genB, batches: 5...7, finalDigest: try written(7).0))

        // Generation C: the application deletes the WAL while Litestream is down.
        try writeBatch(8, transactions: 2)
        try checkpointTruncateAndRemoveWAL()
        let genC = try await startLitestream(config: snapshotIntervalConfig, previousGeneration: genB)
        try writeBatch(9, transactions: 4, pause: .milliseconds(150))
        try await waitForCatchUp("batch 9")
        try writeBatch(10, transactions: 8, rowsPerTransaction: 16, pause: .milliseconds(120))
        try await waitForCatchUp("batch 10")
        let inspector = ReplicaInspector(root: replicaPath)
        try await waitUntil("generation \(genC) has a snapshot at a WAL index above 0", timeout: .seconds(20)) {
            try inspector.snapshots(genC).contains { $0.index > 0 }
        }
        try writeBatch(11, transactions: 4, pause: .milliseconds(150))
        try await waitForCatchUp("batch 11")
        try await stopLitestream()
        generations.append(.init(id: genC, batches: 8...11, finalDigest: try written(11).0))

        let (finalDigest, finalCounts) = try written(11)
        writer = nil  // closes the connection: SQLite checkpoints and removes the WAL
        try TestEnvironment.writeFile(directory + "/FIXTURE-COMPLETE", "built in \(clock.now - start)\n")
        return Fixture(
            directory: directory, databasePath: databasePath, replicaPath: replicaPath, configPath: configPath,
            generations: generations, pointsInTime: points, finalDigest: finalDigest, finalBatchCounts: finalCounts,
            alignedSnapshotGeneration: genB, alignedDatabaseSize: alignedSize, buildDuration: clock.now - start)
    }

    // MARK: Application side

    private func openWriter() throws {
        let connection = try SQLiteConnection(path: databasePath, create: true)
        connection.setBusyTimeout(milliseconds: 5000)
        let mode = try connection.scalarText("PRAGMA journal_mode=WAL")
        guard mode == "wal" else { throw SwiftStreamError(.sqlite, "journal_mode=WAL returned \(mode)") }
        writer = connection
    }

    private func db() throws -> SQLiteConnection {
        guard let writer else { throw SwiftStreamError(.internalError, "fixture writer is closed") }
        return writer
    }

    private func createSchema() throws {
        try db().execute(
            """
            CREATE TABLE items (id INTEGER PRIMARY KEY, batch INTEGER NOT NULL, name TEXT, amount REAL, payload BLOB);
            CREATE INDEX items_batch ON items (batch);
            CREATE TABLE notes (id INTEGER PRIMARY KEY AUTOINCREMENT, item_id INTEGER, body TEXT);
            CREATE TABLE filler (id INTEGER PRIMARY KEY, data BLOB);
            """)
    }

    /// One batch: several transactions with inserts (some rows carry blobs larger than a
    /// page), updates and deletes of older rows, separated by pauses so that Litestream syncs
    /// in between and the batch spans several WAL segments.
    private func writeBatch(
        _ batch: Int, transactions: Int, rowsPerTransaction: Int = 10, pause: Duration = .milliseconds(100)
    ) throws {
        let connection = try db()
        var random = SplitMix(seed: UInt64(batch) &* 0x9E37_79B9)
        for transaction in 0..<transactions {
            try connection.execute("BEGIN IMMEDIATE")
            for row in 0..<rowsPerTransaction {
                let size = row % 3 == 0 ? 4500 + Int(random.next() % 12_000) : 40 + Int(random.next() % 400)
                let id = try connection.query(
                    "INSERT INTO items (batch, name, amount, payload) VALUES (?, ?, ?, ?) RETURNING id",
                    [
                        .integer(Int64(batch)), .text("batch \(batch) txn \(transaction) row \(row) ü"),
                        .real(Double(random.next() % 100_000) / 7), .blob(random.bytes(size)),
                    ])
                if row % 4 == 0, case .integer(let itemID)? = id.first?.first {
                    try connection.query(
                        "INSERT INTO notes (item_id, body) VALUES (?, ?)",
                        [.integer(itemID), .text(String(repeating: "note \(batch).\(row) ", count: 1 + row))])
                }
            }
            if batch > 1 {
                try connection.query(
                    "UPDATE items SET amount = amount * 1.5, name = name || ' updated' WHERE batch < ? AND id % 5 = ?",
                    [.integer(Int64(batch)), .integer(Int64((batch + transaction) % 5))])
                if transaction == 0 {
                    try connection.query(
                        "DELETE FROM items WHERE batch < ? AND id % 13 = ?",
                        [.integer(Int64(batch)), .integer(Int64(batch % 13))])
                    try connection.query("DELETE FROM notes WHERE id % 11 = ?", [.integer(Int64(batch % 11))])
                }
            }
            try connection.execute("COMMIT")
            // Pacing of the fixture's transactions, not a wait.
            if transaction + 1 < transactions { usleep(UInt32(pause / .microseconds(1))) }
        }
        batchDigests[batch] = (try DatabaseDigest.compute(connection).userTables, try batchCounts(connection))
    }

    /// `SELECT batch, COUNT(*) FROM items GROUP BY batch`.
    static func batchCounts(_ connection: SQLiteConnection) throws -> [Int64: Int64] {
        var counts: [Int64: Int64] = [:]
        for row in try connection.query("SELECT batch, COUNT(*) FROM items GROUP BY batch") {
            if case .integer(let batch) = row[0], case .integer(let count) = row[1] { counts[batch] = count }
        }
        return counts
    }

    private func batchCounts(_ connection: SQLiteConnection) throws -> [Int64: Int64] {
        try Self.batchCounts(connection)
    }

    /// An application checkpoint while Litestream holds its read lock: usually busy, which is
    /// fine (this is what real applications do).
    private func appCheckpoint(_ mode: String) throws {
        let connection = try db()
        connection.setBusyTimeout(milliseconds: 100)
        defer { connection.setBusyTimeout(milliseconds: 5000) }
        _ = try connection.checkpoint(mode)
    }

    /// Adds filler rows until `PRAGMA page_count` is a multiple of 1024 (4 MiB with 4 KiB
    /// pages), then checkpoints with TRUNCATE so the main file has exactly that size.
    private func growToMultipleOfFourMiB() throws -> Int {
        let connection = try db()
        guard try connection.scalarInt("PRAGMA page_size") == 4096 else {
            throw SwiftStreamError(.internalError, "fixture expects 4096-byte pages")
        }
        var random = SplitMix(seed: 4)
        for _ in 0..<5000 {
            let pages = Int(try connection.scalarInt("PRAGMA page_count"))
            if pages >= 1024 && pages % 1024 == 0 { break }
            let missing = 1024 - pages % 1024
            let size = missing > 8 ? (missing - 6) * 4000 : 1500
            try connection.query("INSERT INTO filler (data) VALUES (?)", [.blob(random.bytes(size))])
        }
        let pages = Int(try connection.scalarInt("PRAGMA page_count"))
        let result = try connection.checkpoint("TRUNCATE")
        guard pages % 1024 == 0, result.busy == 0 else {
            throw SwiftStreamError(
                .internalError, "could not grow the database to 4 MiB multiple: \(pages) pages, \(result)")
        }
        guard let status = try FileIO.fileStatus(databasePath), Int(status.st_size) == pages * 4096 else {
            throw SwiftStreamError(.internalError, "database file size is not \(pages) * 4096 after TRUNCATE")
        }
        return pages * 4096
    }

    private func checkpointTruncateAndRemoveWAL() throws {
        let result = try db().checkpoint("TRUNCATE")
        guard result.busy == 0 else { throw SwiftStreamError(.internalError, "TRUNCATE checkpoint busy: \(result)") }
        writer = nil
        try FileIO.remove(databasePath + "-wal")
        try FileIO.remove(databasePath + "-shm")
        try openWriter()
    }

    // MARK: Litestream side

    private var metaGenerationFile: String { directory + "/.app.db-litestream/generation" }

    private func currentGeneration() throws -> String? {
        guard FileIO.exists(metaGenerationFile) else { return nil }
        let text = String(decoding: try FileIO.readAll(metaGenerationFile), as: UTF8.self).trimmingCharacters(in: "\n ")
        return Generation(text) == nil ? nil : text
    }

    /// Starts `litestream replicate` and waits until it replicates a generation other than
    /// `previousGeneration`, with that generation's snapshot uploaded and the WAL caught up.
    private func startLitestream(config: String, previousGeneration: String?) async throws -> String {
        runs += 1
        let log = directory + "/litestream-\(runs).log"
        litestream = try ChildProcess(
            [try TestEnvironment.litestream(), "replicate", "-config", config],
            environment: .inherit(["LITESTREAM_CONFIG": nil]), standardOutput: .file(log), standardError: .append(log))
        var generation = ""
        try await waitUntil("Litestream run \(runs) starts a new generation (log: \(log))") {
            if let status = litestream?.poll() { throw SwiftStreamError(.io, "litestream exited early: \(status)") }
            guard let current = try currentGeneration(), current != previousGeneration else { return false }
            generation = current
            return try !ReplicaInspector(root: replicaPath).snapshots(current).isEmpty
        }
        try await waitForCatchUp("Litestream run \(runs) start")
        return generation
    }

    private func waitForCatchUp(_ label: String) async throws {
        try await waitUntil("the replica has everything committed up to \(label)") {
            if let status = litestream?.poll() { throw SwiftStreamError(.io, "litestream exited early: \(status)") }
            return try ReplicaInspector.isCaughtUp(databasePath: databasePath, replicaRoot: replicaPath)
        }
    }

    private func stopLitestream() async throws {
        guard let child = litestream else { return }
        try child.send(signal: SIGTERM)
        guard let status = await child.wait(timeout: .seconds(30)) else {
            throw SwiftStreamError(.io, "litestream did not exit within 30s of SIGTERM")
        }
        litestream = nil
        guard status == .exited(0) else {
            throw SwiftStreamError(.io, "litestream exited with \(status) after SIGTERM")
        }
    }

    /// Waits so that every object uploaded so far is more than a second older than the
    /// returned whole-second time, and that the next batch is written more than a second after it.
    private func pointInTime(after batch: Int, generation: String) async throws -> Fixture.PointInTime {
        let now = Timestamp.now()
        let point = Timestamp(seconds: now.seconds + 2)
        let wake = point.nanoseconds - now.nanoseconds + 1_100_000_000
        try await Task.sleep(for: .nanoseconds(wake))  // the point: a clock boundary must pass
        let (digest, counts) = try written(batch)
        return .init(
            timestamp: point.rfc3339, generation: generation, batch: batch, digest: digest, batchCounts: counts)
    }
}

/// Deterministic pseudo-random numbers (splitmix64) for reproducible fixture content.
struct SplitMix {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Half random, half repetitive bytes, so LZ4 has something to compress.
    mutating func bytes(_ count: Int) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(count + 8)
        while result.count < count {
            let value = next()
            if value & 1 == 0 {
                result += withUnsafeBytes(of: value, Array.init)
            } else {
                result += Array(repeating: UInt8(value >> 8 & 0x3f), count: 8)
            }
        }
        return Array(result.prefix(count))
    }
}
