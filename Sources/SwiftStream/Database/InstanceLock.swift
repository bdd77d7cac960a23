#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import SwiftStreamSystem
import SystemPackage

/// The exclusive lock one replicating process holds on a database: `flock(2)` on
/// `<meta-path>/swiftstream.lock`, which holds the holder's process id.
///
/// Two daemons on one database would share its shadow WAL: each one's cleanup deletes shadow
/// files the other still needs, and both upload into one generation with different segment
/// boundaries. The lock file is not part of Litestream's layout; Litestream v0.3.13 ignores it
/// (it removes only `*.tmp` files and other generations' directories), so it continues a meta
/// directory swiftstream left. The lock is released when the descriptor closes, also when the
/// process dies.
final class InstanceLock {
    static let fileName = "swiftstream.lock"

    private let descriptor: FileDescriptor

    /// Takes the lock for the database whose meta directory is `metaPath` (created with
    /// `directoryMode` if missing), or throws naming the process that holds it.
    init(metaPath: String, databasePath: String, directoryMode: mode_t) throws {
        try FileIO.makeDirectories(metaPath, mode: directoryMode)
        let path = metaPath + "/" + Self.fileName
        let descriptor = try FileDescriptor.open(path, .readWrite, options: .create)
        do {
            if flock(descriptor.rawValue, LOCK_EX | LOCK_NB) != 0 {
                let code = errno
                guard code == EWOULDBLOCK else { throw SystemError("flock", path, errno: code) }
                let holder = String(decoding: (try? FileIO.readAll(path)) ?? [], as: UTF8.self).trimmingWhitespace()
                throw SwiftStreamError(
                    .invalidArgument,
                    "database \(databasePath) is already being replicated by process \(holder.isEmpty ? "?" : holder) "
                        + "(it holds \(path)); stop that process first, two replicating processes would corrupt the replica"
                )
            }
            try descriptor.truncate(to: 0, path: path)
            try Array("\(getpid())\n".utf8).withUnsafeBytes { try descriptor.writeAll($0, at: 0, path: path) }
        } catch {
            descriptor.closeIgnoringErrors()
            throw error
        }
        self.descriptor = descriptor
    }

    /// Releases the lock (closing the descriptor releases it).
    deinit { descriptor.closeIgnoringErrors() }
}
