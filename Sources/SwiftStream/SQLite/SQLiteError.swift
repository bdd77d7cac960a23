import VaporCSQLite

/// An error reported by SQLite, with SQLite's own message.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    public var code: Int32
    public var message: String
    public var description: String { message }

    /// The kind of failure, from the primary result code (https://sqlite.org/rescode.html).
    public var swiftStreamCode: SwiftStreamError.Code {
        switch code & 0xff {
        case SQLITE_FULL: .noSpace
        case SQLITE_CORRUPT, SQLITE_NOTADB: .corrupt
        case SQLITE_PERM, SQLITE_READONLY: .permissionDenied
        default: .sqlite
        }
    }
}
