#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import SystemPackage

/// Path-level POSIX helpers: whole-file reads, directories, renames, removal. Every call checks
/// its result and throws `SystemError` with the path, so errors read like Go's
/// (`open /x: permission denied`). Work on an open file goes through `FileDescriptor`.
public enum FileIO {
    /// Reads the whole file at `path`: `st_size` bytes, or to end of file for files that report a
    /// size of 0, such as those in `/proc`.
    public static func readAll(_ path: String) throws -> [UInt8] {
        try FileDescriptor.withOpened(path) { descriptor in
            let size = Int(try descriptor.status(path: path).st_size)
            var bytes = try descriptor.read(count: size, at: 0, path: path)
            // Only files that report no size (those in /proc) are read on to end of file.
            guard size == 0 else { return bytes }
            try descriptor.readChunks(from: size, path: path, chunkSize: 16_384) { bytes.append(contentsOf: $0) }
            return bytes
        }
    }

    /// Creates (or truncates) `path` with `permissions` and writes `bytes` to it.
    public static func write(
        _ bytes: [UInt8], to path: String, permissions: FilePermissions = .defaultFile
    ) throws {
        try FileDescriptor.withOpened(path, .writeOnly, options: [.create, .truncate], permissions: permissions) {
            descriptor in
            try bytes.withUnsafeBytes { try descriptor.writeAll($0, path: path) }
        }
    }

    /// fsyncs a directory so that a rename inside it is durable. Best effort: a directory that
    /// cannot be opened or synced leaves the rename as durable as the file system makes it.
    public static func fsyncDirectory(_ path: String) {
        guard let descriptor = try? FileDescriptor.open(path, .readOnly, options: .directory) else { return }
        try? descriptor.sync(path: path)
        descriptor.closeIgnoringErrors()
    }

    /// `stat(2)`; nil when the file does not exist.
    public static func fileStatus(_ path: String) throws(SystemError) -> stat? {
        var status = stat()
        if stat(path, &status) == 0 { return status }
        if errno == ENOENT || errno == ENOTDIR { return nil }
        throw SystemError("stat", path, errno: errno)
    }

    /// Whether anything (a dangling symlink included) exists at `path`.
    public static func exists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    /// `mkdir -p` with `mode` for every directory it creates.
    public static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(SystemError) {
        if path.isEmpty || path == "/" { return }
        if let status = try fileStatus(path) {
            if (status.st_mode & S_IFMT) == S_IFDIR { return }
            throw SystemError("mkdir", path, errno: ENOTDIR)
        }
        try makeDirectories(Path.dirname(path), mode: mode)
        if mkdir(path, mode) != 0 && errno != EEXIST { throw SystemError("mkdir", path, errno: errno) }
    }

    public static func rename(_ from: String, _ to: String) throws(SystemError) {
        if Glibc.rename(from, to) != 0 { throw SystemError("rename", from, errno: errno) }
    }

    /// Removes a file; a missing file is not an error.
    public static func remove(_ path: String) throws(SystemError) {
        if unlink(path) != 0 && errno != ENOENT { throw SystemError("remove", path, errno: errno) }
    }

    /// Removes a file or directory tree; missing is not an error.
    public static func removeTree(_ path: String) throws(SystemError) {
        var status = stat()
        guard lstat(path, &status) == 0 else {
            if errno == ENOENT { return }
            throw SystemError("remove", path, errno: errno)
        }
        if (status.st_mode & S_IFMT) == S_IFDIR {
            for entry in try listDirectory(path) { try removeTree(path + "/" + entry.name) }
            if rmdir(path) != 0 && errno != ENOENT { throw SystemError("remove", path, errno: errno) }
        } else {
            try remove(path)
        }
    }

    /// One directory entry.
    public struct Entry: Sendable {
        public var name: String
        /// A directory, or a symbolic link to one.
        public var isDirectory: Bool
        /// The entry itself is a symbolic link (`isDirectory` then says where it leads).
        public var isSymbolicLink: Bool
    }

    /// Lists a directory (without `.` and `..`), sorted by name. Missing directory → nil.
    public static func listDirectoryIfExists(_ path: String) throws(SystemError) -> [Entry]? {
        guard let directory = opendir(path) else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw SystemError("open", path, errno: errno)
        }
        defer { closedir(directory) }
        var entries: [Entry] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            var isDirectory = entry.pointee.d_type == UInt8(DT_DIR)
            var isSymbolicLink = entry.pointee.d_type == UInt8(DT_LNK)
            if entry.pointee.d_type == UInt8(DT_UNKNOWN) {
                var status = stat()
                isSymbolicLink = lstat(path + "/" + name, &status) == 0 && (status.st_mode & S_IFMT) == S_IFLNK
            }
            if entry.pointee.d_type == UInt8(DT_UNKNOWN) || isSymbolicLink {
                var status = stat()
                isDirectory = stat(path + "/" + name, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
            }
            entries.append(Entry(name: name, isDirectory: isDirectory, isSymbolicLink: isSymbolicLink))
        }
        return entries.sorted { $0.name < $1.name }
    }

    public static func listDirectory(_ path: String) throws(SystemError) -> [Entry] {
        try listDirectoryIfExists(path) ?? []
    }
}
