#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import SwiftStreamSystem
import SystemPackage

/// Mode and owner copied onto every file and directory swiftstream creates next to a database,
/// as Litestream does (files take the database file's, directories its parent directory's).
struct FileOwnership: Sendable {
    var fileMode: mode_t
    var directoryMode: mode_t
    var uid: uid_t
    var gid: gid_t

    init(file: stat, directory: stat) {
        fileMode = file.st_mode & 0o7777
        directoryMode = directory.st_mode & 0o7777
        uid = file.st_uid
        gid = file.st_gid
    }

    /// Best effort, like Litestream's `os.Chown` whose error is ignored (only root may give files away).
    func apply(to path: String) {
        _ = chown(path, uid, gid)
    }

    /// `mkdir -p` that gives every created directory the directory mode and owner.
    func makeDirectories(_ path: String) throws {
        if path.isEmpty || path == "/" || path == "." { return }
        if let st = try FileIO.fileStatus(path) {
            if (st.st_mode & S_IFMT) == S_IFDIR { return }
            throw SystemError("mkdir", path, errno: ENOTDIR)
        }
        try makeDirectories(Path.dirname(path))
        if mkdir(path, directoryMode) != 0 {
            if errno == EEXIST { return }
            throw SystemError("mkdir", path, errno: errno)
        }
        apply(to: path)
    }

    /// Creates (or truncates) `path` with the file mode and owner, writes `bytes`, fsyncs.
    func writeFile(_ path: String, _ bytes: [UInt8]) throws {
        try FileDescriptor.withOpened(
            path, .writeOnly, options: [.create, .truncate], permissions: FilePermissions(mode: fileMode)
        ) { descriptor in
            apply(to: path)
            try bytes.withUnsafeBytes { try descriptor.writeAll($0, path: path) }
            try descriptor.sync(path: path)
        }
    }
}
