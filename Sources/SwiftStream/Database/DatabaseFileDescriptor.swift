#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import SwiftStreamSystem
import Synchronization
import SystemPackage

/// The process-wide read-only descriptors on database files, used to read snapshots.
///
/// POSIX advisory locks belong to the process: closing *any* descriptor on a file drops every
/// lock the process holds on it, SQLite's included (replication.md §13). So a database file is
/// opened once per process (per inode) and its descriptor is never closed, even when a
/// `Database` closes and another one is opened on the same file in the same process.
enum DatabaseFileDescriptor {
    private struct FileID: Hashable {
        var device: UInt64
        var inode: UInt64

        init(_ status: stat) {
            device = UInt64(status.st_dev)
            inode = UInt64(status.st_ino)
        }
    }

    private static let table = Mutex<[FileID: FileDescriptor]>([:])

    /// The descriptor for the file currently at `path` (opened on first use).
    static func descriptor(for path: String) throws -> FileDescriptor {
        guard let status = try FileIO.fileStatus(path) else { throw SystemError("open", path, errno: ENOENT) }
        return try table.withLock { table in
            if let descriptor = table[FileID(status)] { return descriptor }
            let descriptor = try FileDescriptor.open(path, .readOnly)
            let opened: stat
            do {
                opened = try descriptor.status(path: path)
            } catch {
                descriptor.closeIgnoringErrors()  // never locked by SQLite: it was opened just now
                throw error
            }
            // Stored under the inode actually opened, in case the file was replaced meanwhile.
            if let existing = table[FileID(opened)] {
                descriptor.closeIgnoringErrors()
                return existing
            }
            table[FileID(opened)] = descriptor
            return descriptor
        }
    }
}
