import SwiftStreamSystem
import SystemPackage

/// Where committed WAL pages go: the restored file itself, or an in-memory overlay.
protocol PageSink {
    /// Stores the image of page `page` (1-based).
    mutating func write(page: UInt32, _ data: UnsafeRawBufferPointer, pageSize: Int) throws
    /// Sets the database size to `pages` pages (SQLite truncates the file after a checkpoint).
    mutating func truncate(pages: Int, pageSize: Int) throws
}

/// Writes pages into the file and truncates it, exactly as a checkpoint would.
struct FilePageSink: PageSink {
    let fd: FileDescriptor
    let path: String

    func write(page: UInt32, _ data: UnsafeRawBufferPointer, pageSize: Int) throws {
        try fd.writeAll(data, at: Int(page - 1) * pageSize, path: path)
    }

    func truncate(pages: Int, pageSize: Int) throws {
        try fd.truncate(to: pages * pageSize, path: path)
    }
}
