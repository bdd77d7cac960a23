#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import SwiftStreamSystem
import SystemPackage

/// A position of the database and the CRC-64 of the database as it is at that position, for a
/// restore drill (replication.md §10).
public struct ValidationPoint: Sendable {
    public var position: WALPosition
    public var checksum: UInt64
}

extension Database {
    /// Syncs, then checksums the database as of the new shadow WAL position, without blocking
    /// the application.
    ///
    /// Litestream runs a RESTART checkpoint first, so that the database file alone is the state
    /// at the end of the previous index. A checkpoint is not needed here: the database file holds
    /// the state before the current WAL plus back-filled frames of the current WAL, and
    /// back-fills never pass our read mark, which is at or before the shadow WAL's end. So the
    /// database at the position is the database file with every page that the shadow WAL's
    /// frames carry laid over it (the latest image of each page), cut to the size the last
    /// commit frame records. Only a page map is kept in memory (page number to offset in the
    /// shadow file); pages are read once, in order. This works at every index, index 0
    /// included. Nil without a generation, or while copying is suspended by the backlog limit.
    public func validationPoint() throws -> ValidationPoint? {
        try sync()
        // While the backlog limit suspends copying, the read lock is released and the database
        // file may hold frames past the shadow WAL: there is no position to check.
        guard backlogSuspension == nil else { return nil }
        guard let handles, let databaseDescriptor, let position = try position() else { return nil }
        let shadowPath = shadowWALPath(position.generation, index: position.index)
        let pageSize = handles.pageSize
        return try FileDescriptor.withOpened(shadowPath) { shadow in
            var latest: [UInt32: Int] = [:]
            var committedSize: Int?
            try ShadowWAL.forEachFrame(
                of: shadow, path: shadowPath, from: WAL.headerSize, to: position.offset, pageSize: pageSize
            ) { page, commit, offset in
                latest[page] = offset + WAL.frameHeaderSize
                if commit != 0 { committedSize = Int(commit) }
            }
            let fileSize = Int(try databaseDescriptor.status(path: path).st_size)
            let pages = committedSize ?? fileSize / pageSize
            var crc = CRC64()
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: pageSize, alignment: 16)
            defer { buffer.deallocate() }
            for page in stride(from: 1, through: pages, by: 1) {
                let n: Int
                if let frameOffset = latest[UInt32(page)] {
                    n = try shadow.read(into: buffer, at: frameOffset, path: shadowPath)
                } else {
                    n = try databaseDescriptor.read(into: buffer, at: (page - 1) * pageSize, path: path)
                }
                // A page past the end of the file reads as zeros, as SQLite's would.
                if n < pageSize {
                    UnsafeMutableRawBufferPointer(rebasing: buffer[n...]).initializeMemory(as: UInt8.self, repeating: 0)
                }
                crc.update(UnsafeRawBufferPointer(buffer))
            }
            return ValidationPoint(position: position, checksum: crc.value)
        }
    }
}
