import SwiftStream

/// A content fingerprint of a SQLite database: one line per table (`name rows=N hash=H`) over
/// every table in `sqlite_master`, rows in rowid order, every value hashed with its type.
/// Comparing two digests compares the logical content of two databases.
struct DatabaseDigest: Sendable, Equatable, CustomStringConvertible {
    var tables: [String]

    var description: String { tables.joined(separator: "\n") }

    /// The same digest without Litestream's helper tables (`_litestream_seq` changes with
    /// every checkpoint Litestream makes, so it is not part of what the application wrote).
    var userTables: DatabaseDigest {
        DatabaseDigest(tables: tables.filter { !$0.hasPrefix("_litestream_") })
    }

    static func compute(_ connection: SQLiteConnection) throws -> DatabaseDigest {
        var lines: [String] = []
        let names = try connection.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        for row in names {
            guard case .text(let name) = row.first else { continue }
            let quoted = "\"" + name.replacing("\"", with: "\"\"") + "\""
            let rows = try connection.query("SELECT rowid, * FROM \(quoted) ORDER BY rowid")
            var hasher = FNV1a()
            for row in rows {
                for value in row { hasher.add(value) }
                hasher.add(byte: 0x1e)
            }
            lines.append("\(name) rows=\(rows.count) hash=\(String(hasher.value, radix: 16))")
        }
        return DatabaseDigest(tables: lines)
    }

    /// Opens `path` read-only and computes its digest.
    static func compute(path: String) throws -> DatabaseDigest {
        let connection = try SQLiteConnection(path: path, readOnly: true)
        return try compute(connection)
    }
}

/// 64-bit FNV-1a over a type-tagged serialisation of SQLite values.
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }

    mutating func add<S: Sequence>(bytes: S) where S.Element == UInt8 {
        for byte in bytes { add(byte: byte) }
    }

    mutating func add(_ value: SQLiteConnection.Value) {
        switch value {
        case .null:
            add(byte: 0)
        case .integer(let v):
            add(byte: 1)
            add(bytes: withUnsafeBytes(of: v.littleEndian, Array.init))
        case .real(let v):
            add(byte: 2)
            add(bytes: withUnsafeBytes(of: v.bitPattern.littleEndian, Array.init))
        case .text(let s):
            add(byte: 3)
            add(bytes: withUnsafeBytes(of: Int64(s.utf8.count).littleEndian, Array.init))
            add(bytes: s.utf8)
        case .blob(let b):
            add(byte: 4)
            add(bytes: withUnsafeBytes(of: Int64(b.count).littleEndian, Array.init))
            add(bytes: b)
        }
    }
}
