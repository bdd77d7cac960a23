import CSystemShims

/// Small, synchronous POSIX file helpers. Every call checks its result and throws `SystemError`
/// with the path, so errors read like Go's (`open /x: permission denied`).
public enum FileIO {
    /// Opens `path` and returns the descriptor. `EINTR` is retried.
    public static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o644) throws -> Int32 {
        while true {
            let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            if errno != EINTR { throw SystemError("open", path, errno: errno) }
        }
    }

    /// Reads the whole file at `path`.
    public static func readAll(_ path: String) throws -> [UInt8] {
        let fd = try open(path, O_RDONLY)
        defer { close(fd) }
        var st = Glibc.stat.init()
        guard fstat(fd, &st) == 0 else { throw SystemError("stat", path, errno: errno) }
        return try preadBytes(fd, count: Int(st.st_size), at: 0, path: path)
    }

    /// Writes all of `bytes` to `fd` at its current offset.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError("write", path, errno: errno)
            }
            done += n
        }
    }

    /// Writes all of `bytes` to `fd` at `offset`.
    public static func pwriteAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, path: String) throws {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError("write", path, errno: errno)
            }
            done += n
        }
    }

    /// Reads up to `count` bytes at `offset`; fewer only at end of file.
    /// Reads up to `count` bytes at `offset`; fewer only at end of file. The buffer is not
    /// zero-filled first (a 1 MiB memset per WAL batch showed up in profiles).
    public static func preadBytes(_ fd: Int32, count: Int, at offset: Int, path: String) throws -> [UInt8] {
        try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var done = 0
            while done < count {
                let n = Glibc.pread(fd, buffer.baseAddress! + done, count - done, off_t(offset + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    initialized = done
                    throw SystemError("read", path, errno: errno)
                }
                if n == 0 { break }
                done += n
            }
            initialized = done
        }
    }

    public static func fsync(_ fd: Int32, path: String) throws {
        while Glibc.fsync(fd) != 0 {
            if errno != EINTR { throw SystemError("sync", path, errno: errno) }
        }
    }

    /// Asks the kernel to start writing `[offset, offset+count)` back to disk without waiting
    /// (`sync_file_range(SYNC_FILE_RANGE_WRITE)`), so that a later fsync has less to do.
    /// Advisory: errors are ignored; the fsync that follows is what guarantees durability.
    public static func startWriteback(_ fd: Int32, offset: Int, count: Int) {
        _ = swst_start_writeback(fd, Int64(offset), Int64(count))
    }

    /// fsyncs a directory so that a rename inside it is durable.
    public static func fsyncDirectory(_ path: String) {
        guard let fd = try? open(path, O_RDONLY | O_DIRECTORY) else { return }
        _ = Glibc.fsync(fd)
        close(fd)
    }

    /// `stat(2)`; nil when the file does not exist.
    public static func fileStatus(_ path: String) throws -> Glibc.stat? {
        var st = Glibc.stat.init()
        if posixStat(path, &st) == 0 { return st }
        if errno == ENOENT || errno == ENOTDIR { return nil }
        throw SystemError("stat", path, errno: errno)
    }

    public static func exists(_ path: String) -> Bool {
        var st = Glibc.stat.init()
        return lstat(path, &st) == 0
    }

    /// `mkdir -p` with `mode` for every directory it creates.
    public static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws {
        if path.isEmpty || path == "/" { return }
        var st = Glibc.stat.init()
        if posixStat(path, &st) == 0 {
            if (st.st_mode & S_IFMT) == S_IFDIR { return }
            throw SystemError("mkdir", path, errno: ENOTDIR)
        }
        try makeDirectories(Path.dirname(path), mode: mode)
        if mkdir(path, mode) != 0 && errno != EEXIST { throw SystemError("mkdir", path, errno: errno) }
    }

    public static func rename(_ from: String, _ to: String) throws {
        if Glibc.rename(from, to) != 0 { throw SystemError("rename", from, errno: errno) }
    }

    /// Removes a file; a missing file is not an error.
    public static func remove(_ path: String) throws {
        if unlink(path) != 0 && errno != ENOENT { throw SystemError("remove", path, errno: errno) }
    }

    /// Removes a file or directory tree; missing is not an error.
    public static func removeTree(_ path: String) throws {
        var st = Glibc.stat.init()
        guard lstat(path, &st) == 0 else {
            if errno == ENOENT { return }
            throw SystemError("remove", path, errno: errno)
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            for entry in try listDirectory(path) { try removeTree(path + "/" + entry.name) }
            if rmdir(path) != 0 && errno != ENOENT { throw SystemError("remove", path, errno: errno) }
        } else {
            try remove(path)
        }
    }

    /// One directory entry.
    public struct Entry: Sendable {
        public var name: String
        public var isDirectory: Bool
    }

    /// Lists a directory (without `.` and `..`), sorted by name. Missing directory → nil.
    public static func listDirectoryIfExists(_ path: String) throws -> [Entry]? {
        guard let dir = opendir(path) else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw SystemError("open", path, errno: errno)
        }
        defer { closedir(dir) }
        var entries: [Entry] = []
        while let ent = readdir(dir) {
            let name = withUnsafePointer(to: ent.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name == "." || name == ".." { continue }
            var isDir = ent.pointee.d_type == UInt8(DT_DIR)
            if ent.pointee.d_type == UInt8(DT_UNKNOWN) || ent.pointee.d_type == UInt8(DT_LNK) {
                var st = Glibc.stat.init()
                isDir = posixStat(path + "/" + name, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
            }
            entries.append(Entry(name: name, isDirectory: isDir))
        }
        return entries.sorted { $0.name < $1.name }
    }

    public static func listDirectory(_ path: String) throws -> [Entry] {
        try listDirectoryIfExists(path) ?? []
    }
}

/// Path string helpers (POSIX only).
public enum Path {
    public static func dirname(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    public static func basename(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// Go's `filepath.Clean` for absolute or relative POSIX paths.
    public static func clean(_ path: String) -> String {
        if path.isEmpty { return "." }
        let rooted = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                if let last = parts.last, last != ".." {
                    parts.removeLast()
                } else if !rooted {
                    parts.append(part)
                }
                continue
            }
            parts.append(part)
        }
        let joined = parts.joined(separator: "/")
        if rooted { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    /// The current working directory.
    public static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return "/" }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// The current user's home directory (`$HOME`, else the passwd entry).
    public static func homeDirectory() -> String {
        if let home = getenv("HOME"), home.pointee != 0 { return String(cString: home) }
        if let pw = getpwuid(getuid()), let dir = pw.pointee.pw_dir { return String(cString: dir) }
        return "/"
    }

    /// Litestream's path normalisation: `~` expansion, then absolute and cleaned (symlinks kept).
    public static func normalize(_ path: String) -> String {
        var p = path
        if p == "~" {
            p = homeDirectory()
        } else if p.hasPrefix("~/") {
            p = homeDirectory() + String(p.dropFirst(1))
        }
        if !p.hasPrefix("/") { p = currentDirectory() + "/" + p }
        return clean(p)
    }
}

/// `stat(2)` under a name that does not collide with the `stat` struct inside types.
@inline(__always)
func posixStat(_ path: String, _ st: inout stat) -> Int32 { stat(path, &st) }
