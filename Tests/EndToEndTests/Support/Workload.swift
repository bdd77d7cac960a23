import PeerTestSupport
import SwiftStream
import Synchronization
import Testing

/// The application side of the replication scenarios: one SQLite connection in this test
/// process writing a varied load (inserts, updates, deletes, blobs larger than a page) into a
/// WAL-mode database, either one transaction at a time or from a background task.
///
/// Every transaction inserts the next `ledger.seq`; `acknowledged` is the last `seq` whose
/// `COMMIT` returned, so a restored database can be checked to hold every acknowledged
/// transaction. SQLite's automatic checkpoints are off (`wal_autocheckpoint=0`): the
/// scenarios decide when the application checkpoints (an automatic checkpoint while no
/// daemon runs would legitimately start a new generation and make the outcome vary).
final class Workload: Sendable {
    let path: String
    private let state: Mutex<State>
    private let loop = Mutex<Task<Void, any Error>?>(nil)

    private struct State {
        var connection: SQLiteConnection?
        var acknowledged: Int64 = 0
        var checkpoints: [String] = []
    }

    /// Opens (creating if needed) the database at `path` in WAL mode and creates the schema.
    init(path: String) throws {
        self.path = path
        let connection = try SQLiteConnection(path: path, create: true)
        connection.setBusyTimeout(milliseconds: 5000)
        let mode = try connection.scalarText("PRAGMA journal_mode=WAL")
        guard mode == "wal" else { throw SwiftStreamError(.sqlite, "journal_mode=WAL returned \(mode)") }
        try connection.execute(
            """
            PRAGMA wal_autocheckpoint=0;
            CREATE TABLE IF NOT EXISTS ledger (seq INTEGER PRIMARY KEY, label TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, name TEXT, amount REAL, payload BLOB);
            CREATE INDEX IF NOT EXISTS items_seq ON items (seq);
            """)
        let last = try connection.scalarInt("SELECT COALESCE(MAX(seq), 0) FROM ledger")
        state = Mutex(State(connection: connection, acknowledged: last))
    }

    /// The last `ledger.seq` whose transaction committed.
    var acknowledged: Int64 { state.withLock { $0.acknowledged } }

    /// Results of the application checkpoints so far (`"TRUNCATE busy=0"`, …).
    var checkpoints: [String] { state.withLock { $0.checkpoints } }

    private func withConnection<T>(_ body: (SQLiteConnection, inout State) throws -> T) throws -> T {
        try state.withLock { state in
            guard let connection = state.connection else {
                throw SwiftStreamError(.internalError, "the workload's connection is closed")
            }
            return try body(connection, &state)
        }
    }

    /// Writes `count` transactions; returns the last acknowledged `seq`.
    @discardableResult
    func write(transactions count: Int, label: String = "load") throws -> Int64 {
        for _ in 0..<count { try writeTransaction(label: label) }
        return acknowledged
    }

    /// One transaction: a ledger row, one to three items (every third row with a blob of 4.5 to
    /// 16 KB, so it spills over several pages), updates of older items and, every fifth
    /// transaction, deletes.
    @discardableResult
    func writeTransaction(label: String = "load") throws -> Int64 {
        try withConnection { connection, state in
            let seq = state.acknowledged + 1
            var random = SplitMix(seed: UInt64(seq) &* 0x9E37_79B9)
            try connection.execute("BEGIN IMMEDIATE")
            do {
                try connection.query(
                    "INSERT INTO ledger (seq, label) VALUES (?, ?)", [.integer(seq), .text(label)])
                for row in 0..<(1 + Int(random.next() % 3)) {
                    let size =
                        (Int(seq) + row) % 3 == 0 ? 4500 + Int(random.next() % 12_000) : 30 + Int(random.next() % 300)
                    try connection.query(
                        "INSERT INTO items (seq, name, amount, payload) VALUES (?, ?, ?, ?)",
                        [
                            .integer(seq), .text("\(label) \(seq).\(row) ü"),
                            .real(Double(random.next() % 100_000) / 7),
                            .blob(random.bytes(size)),
                        ])
                }
                try connection.query(
                    "UPDATE items SET amount = amount * 1.5, name = name || '+' WHERE seq < ? AND id % 7 = ?",
                    [.integer(seq), .integer(seq % 7)])
                if seq % 5 == 0 {
                    try connection.query(
                        "DELETE FROM items WHERE seq < ? AND id % 11 = ?", [.integer(seq - 3), .integer(seq % 11)])
                }
                try connection.execute("COMMIT")
            } catch {
                try? connection.execute("ROLLBACK")
                throw error
            }
            state.acknowledged = seq
            return seq
        }
    }

    /// Runs `PRAGMA wal_checkpoint(mode)` as the application. While a daemon holds its read
    /// transaction, RESTART and TRUNCATE cannot finish; the busy timeout is then lowered so the
    /// attempt gives up quickly instead of stalling the writer for seconds.
    @discardableResult
    func checkpoint(_ mode: String, busyTimeout: Int32 = 200) throws -> (busy: Int64, log: Int64, checkpointed: Int64) {
        try withConnection { connection, state in
            connection.setBusyTimeout(milliseconds: busyTimeout)
            defer { connection.setBusyTimeout(milliseconds: 5000) }
            let result = try connection.checkpoint(mode)
            state.checkpoints.append("\(mode) busy=\(result.busy)")
            return result
        }
    }

    /// Starts writing one transaction every `interval` in the background, with an application
    /// checkpoint (alternately RESTART and TRUNCATE) every `checkpointEvery` transactions
    /// (never if 0).
    func start(interval: Duration = .milliseconds(15), checkpointEvery: Int = 0) {
        let task = Task.detached { [self] in
            var written = 0
            while !Task.isCancelled {
                try writeTransaction()
                written += 1
                if checkpointEvery > 0 && written % checkpointEvery == 0 {
                    try checkpoint(written / checkpointEvery % 2 == 0 ? "TRUNCATE" : "RESTART")
                }
                try? await Task.sleep(for: interval)  // pacing of the workload, not a wait
            }
        }
        loop.withLock { previous in
            previous?.cancel()
            previous = task
        }
    }

    /// Stops the background writer (if any) and rethrows its error; returns the last acknowledged `seq`.
    @discardableResult
    func stop() async throws -> Int64 {
        let task = loop.withLock { task in
            defer { task = nil }
            return task
        }
        if let task {
            task.cancel()
            try await task.value
        }
        return acknowledged
    }

    /// Waits until at least `count` more transactions were acknowledged (background writer running).
    func waitForProgress(_ count: Int64, timeout: Duration = .seconds(20)) async throws {
        let target = acknowledged + count
        try await waitUntil("the writer acknowledged transaction \(target)", timeout: timeout) {
            acknowledged >= target
        }
    }

    /// The live database's user-table digest, read through the writer's connection.
    func digest() throws -> DatabaseDigest {
        try withConnection { connection, _ in try DatabaseDigest.compute(connection).userTables }
    }

    /// Closes the connection (SQLite then checkpoints and removes the WAL unless it is in use).
    func close() {
        state.withLock { $0.connection = nil }
    }

    /// The `ledger.seq` values of the database at `path` (a restored copy).
    static func ledger(at path: String) throws -> [Int64] {
        try SQLiteConnection(path: path, readOnly: true).query("SELECT seq FROM ledger ORDER BY seq").compactMap {
            if case .integer(let seq)? = $0.first { return seq }
            return nil
        }
    }

    /// Records an issue unless the database at `path` holds exactly the transactions 1...n for
    /// some n ≥ `acknowledged` (nothing acknowledged lost, no gap).
    static func expectLedger(
        at path: String, holdsAtLeast acknowledged: Int64, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let seqs = try ledger(at: path)
        let contiguous = seqs.enumerated().allSatisfy { Int64($0.offset + 1) == $0.element }
        #expect(contiguous, "ledger of \(path) has gaps: \(seqs.count) rows", sourceLocation: sourceLocation)
        #expect(
            (seqs.last ?? 0) >= acknowledged,
            "\(path) lost acknowledged transactions: last seq \(seqs.last ?? 0) < \(acknowledged)",
            sourceLocation: sourceLocation)
    }
}
