import VaporCSQLite

/// Owns one `sqlite3*` handle of the SQLite bundled by sqlite-nio (3.54.x); the pointer never
/// leaves this file.
///
/// Opened with `SQLITE_OPEN_FULLMUTEX`, so that a connection may be used from whichever thread an
/// actor or a blocking queue runs on; callers still serialise their own transactions.
public final class SQLiteConnection: @unchecked Sendable {
    // @unchecked: the handle is only used through SQLite's serialized (FULLMUTEX) API, which
    // makes every call thread-safe; the class has no other mutable state.
    private let handle: OpaquePointer
    public let path: String

    /// The version of the SQLite library every swiftstream connection uses.
    public static var libraryVersion: String { String(cString: sqlite_nio_sqlite3_libversion()) }

    /// Opens `path`. - SeeAlso: https://sqlite.org/c3ref/open.html
    public init(path: String, readOnly: Bool = false, create: Bool = false) throws {
        var flags = SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_URI
        flags |= readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE
        if create { flags |= SQLITE_OPEN_CREATE }
        var db: OpaquePointer?
        let rc = sqlite_nio_sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message =
                db.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) }
                ?? String(cString: sqlite_nio_sqlite3_errstr(rc))
            sqlite_nio_sqlite3_close_v2(db)  // required even when open fails: sqlite.org/c3ref/open.html
            throw SQLiteError(code: rc, message: "open \(path): \(message)")
        }
        handle = db
        self.path = path
        sqlite_nio_sqlite3_extended_result_codes(db, 1)
    }

    deinit { sqlite_nio_sqlite3_close_v2(handle) }

    private func error(_ rc: Int32) -> SQLiteError {
        SQLiteError(code: rc, message: String(cString: sqlite_nio_sqlite3_errmsg(handle)))
    }

    /// Sets the busy timeout. - SeeAlso: https://sqlite.org/c3ref/busy_timeout.html
    public func setBusyTimeout(milliseconds: Int32) {
        sqlite_nio_sqlite3_busy_timeout(handle, milliseconds)
    }

    /// Keeps the `-wal` file when the last connection closes (`SQLITE_FCNTL_PERSIST_WAL`), as
    /// Litestream does, so that a restart of the daemon continues the same generation.
    public func setPersistWAL(_ on: Bool) throws {
        var value: Int32 = on ? 1 : 0
        let rc = sqlite_nio_sqlite3_file_control(handle, "main", SQLITE_FCNTL_PERSIST_WAL, &value)
        if rc != SQLITE_OK { throw error(rc) }
    }

    /// Runs one or more statements that return no rows.
    public func execute(_ sql: String) throws {
        let rc = sqlite_nio_sqlite3_exec(handle, sql, nil, nil, nil)
        if rc != SQLITE_OK { throw error(rc) }
    }

    /// A value read from a result row.
    public enum Value: Sendable, Equatable {
        case null
        case integer(Int64)
        case real(Double)
        case text(String)
        case blob([UInt8])
    }

    /// Runs one statement with optional parameters and returns all rows.
    @discardableResult
    public func query(_ sql: String, _ parameters: [Value] = []) throws -> [[Value]] {
        var statement: OpaquePointer?
        var rc = sqlite_nio_sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard rc == SQLITE_OK, let statement else { throw error(rc) }
        defer { sqlite_nio_sqlite3_finalize(statement) }
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        for (i, parameter) in parameters.enumerated() {
            let index = Int32(i + 1)
            switch parameter {
            case .null: rc = sqlite_nio_sqlite3_bind_null(statement, index)
            case .integer(let v): rc = sqlite_nio_sqlite3_bind_int64(statement, index, v)
            case .real(let v): rc = sqlite_nio_sqlite3_bind_double(statement, index, v)
            case .text(let v): rc = sqlite_nio_sqlite3_bind_text(statement, index, v, -1, transient)
            case .blob(let v):
                rc = v.withUnsafeBytes {
                    sqlite_nio_sqlite3_bind_blob(statement, index, $0.baseAddress, Int32($0.count), transient)
                }
            }
            if rc != SQLITE_OK { throw error(rc) }
        }
        var rows: [[Value]] = []
        while true {
            rc = sqlite_nio_sqlite3_step(statement)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw error(rc) }
            let count = sqlite_nio_sqlite3_column_count(statement)
            var row: [Value] = []
            row.reserveCapacity(Int(count))
            for c in 0..<count {
                switch sqlite_nio_sqlite3_column_type(statement, c) {
                case SQLITE_INTEGER: row.append(.integer(sqlite_nio_sqlite3_column_int64(statement, c)))
                case SQLITE_FLOAT: row.append(.real(sqlite_nio_sqlite3_column_double(statement, c)))
                case SQLITE_TEXT:
                    row.append(.text(String(cString: sqlite_nio_sqlite3_column_text(statement, c))))
                case SQLITE_BLOB:
                    let n = Int(sqlite_nio_sqlite3_column_bytes(statement, c))
                    if n == 0 {
                        row.append(.blob([]))
                    } else if let p = sqlite_nio_sqlite3_column_blob(statement, c) {
                        row.append(.blob(Array(UnsafeRawBufferPointer(start: p, count: n))))
                    } else {
                        row.append(.blob([]))
                    }
                default: row.append(.null)
                }
            }
            rows.append(row)
        }
        return rows
    }

    /// The first column of the first row, as an integer (0 when absent).
    public func scalarInt(_ sql: String) throws -> Int64 {
        let rows = try query(sql)
        guard let first = rows.first?.first else { return 0 }
        switch first {
        case .integer(let v): return v
        case .text(let s): return Int64(s) ?? 0
        case .real(let d): return Int64(d)
        default: return 0
        }
    }

    /// The first column of the first row, as text (empty when absent).
    public func scalarText(_ sql: String) throws -> String {
        let rows = try query(sql)
        guard let first = rows.first?.first else { return "" }
        switch first {
        case .text(let s): return s
        case .integer(let v): return String(v)
        default: return ""
        }
    }

    /// Runs `PRAGMA wal_checkpoint(<mode>)` and returns (busy, log, checkpointed).
    public func checkpoint(_ mode: String) throws -> (busy: Int64, log: Int64, checkpointed: Int64) {
        let rows = try query("PRAGMA wal_checkpoint(\(mode));")
        guard let row = rows.first, row.count >= 3 else { return (0, 0, 0) }
        func int(_ v: Value) -> Int64 { if case .integer(let i) = v { return i } else { return 0 } }
        return (int(row[0]), int(row[1]), int(row[2]))
    }

    /// `PRAGMA integrity_check`, joined into one string ("ok" when healthy).
    public func integrityCheck() throws -> String {
        try query("PRAGMA integrity_check;").compactMap { row -> String? in
            if case .text(let s) = row.first { return s }
            return nil
        }.joined(separator: "; ")
    }
}
