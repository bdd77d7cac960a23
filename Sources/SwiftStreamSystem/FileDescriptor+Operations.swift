#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import CSystemShims
import SystemPackage

/// What swiftstream needs of a descriptor beyond swift-system's `FileDescriptor`: whole reads
/// and writes, `fsync`, `fstat`, writeback hints, each failure a `SystemError` that names the
/// path. swift-system retries `EINTR` for the calls it wraps; `retryingInterrupts` does it for
/// the rest.
extension FileDescriptor {
    /// Opens `path` close-on-exec (a `-exec` child must never inherit a database descriptor:
    /// closing it would drop SQLite's POSIX locks).
    public static func open(
        _ path: String, _ mode: AccessMode, options: OpenOptions = [], permissions: FilePermissions = .defaultFile
    ) throws(SystemError) -> FileDescriptor {
        do {
            return try FileDescriptor.open(
                FilePath(path), mode, options: options.union(.closeOnExec), permissions: permissions)
        } catch {
            throw SystemError("open", path, error as? Errno ?? .ioError)
        }
    }

    /// Opens `path` (read-only unless `mode` says otherwise), runs `body` with the descriptor and
    /// closes it.
    public static func withOpened<Result>(
        _ path: String, _ mode: AccessMode = .readOnly, options: OpenOptions = [],
        permissions: FilePermissions = .defaultFile, _ body: (FileDescriptor) throws -> Result
    ) throws -> Result {
        let descriptor = try open(path, mode, options: options, permissions: permissions)
        defer { descriptor.closeIgnoringErrors() }
        return try body(descriptor)
    }

    /// Closes the descriptor where nothing useful can be done about a failure (a read-only
    /// descriptor, or one whose data was already fsynced or is being thrown away).
    public func closeIgnoringErrors() {
        try? close()
    }

    /// Fills `buffer` from `offset` on; returns how many bytes were read, fewer only at end of file.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int, path: String) throws(SystemError)
        -> Int
    {
        var done = 0
        while done < buffer.count {
            let n: Int
            do {
                n = try read(
                    fromAbsoluteOffset: Int64(offset + done),
                    into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]))
            } catch {
                throw SystemError("read", path, error as? Errno ?? .ioError)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Reads up to `count` bytes at `offset`; fewer only at end of file. The array is not
    /// zero-filled first.
    public func read(count: Int, at offset: Int, path: String) throws(SystemError) -> [UInt8] {
        do {
            return try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                initialized = try read(into: UnsafeMutableRawBufferPointer(buffer), at: offset, path: path)
            }
        } catch {
            throw error as? SystemError ?? SystemError("read", path, .ioError)
        }
    }

    /// Reads from `offset` to end of file, handing `body` one chunk of at most `chunkSize` bytes
    /// at a time through one reused buffer (a chunk is valid during the call only).
    public func readChunks(
        from offset: Int = 0, path: String, chunkSize: Int = 1 << 20, _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var position = offset
        while true {
            let n = try read(into: buffer, at: position, path: path)
            if n == 0 { break }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            position += n
            if n < chunkSize { break }
        }
    }

    /// Writes all of `bytes` at the current offset.
    public func writeAll(_ bytes: UnsafeRawBufferPointer, path: String) throws(SystemError) {
        do {
            _ = try writeAll(bytes)
        } catch {
            throw SystemError("write", path, error as? Errno ?? .ioError)
        }
    }

    /// Writes all of `bytes` at `offset`.
    public func writeAll(_ bytes: UnsafeRawBufferPointer, at offset: Int, path: String) throws(SystemError) {
        do {
            _ = try writeAll(toAbsoluteOffset: Int64(offset), bytes)
        } catch {
            throw SystemError("write", path, error as? Errno ?? .ioError)
        }
    }

    /// `fsync(2)`.
    public func sync(path: String) throws(SystemError) {
        try retryingInterrupts("sync", path) { Glibc.fsync(rawValue) }
    }

    /// `fstat(2)`.
    public func status(path: String) throws(SystemError) -> Glibc.stat {
        var status = Glibc.stat()
        try retryingInterrupts("stat", path) { fstat(rawValue, &status) }
        return status
    }

    /// `ftruncate(2)`: the file becomes `size` bytes long.
    public func truncate(to size: Int, path: String) throws(SystemError) {
        try retryingInterrupts("truncate", path) { ftruncate(rawValue, off_t(size)) }
    }

    /// `fchmod(2)`.
    public func setPermissions(_ mode: mode_t, path: String) throws(SystemError) {
        try retryingInterrupts("chmod", path) { fchmod(rawValue, mode) }
    }

    /// Asks the kernel to start writing `[offset, offset+count)` back to disk without waiting
    /// (`sync_file_range(SYNC_FILE_RANGE_WRITE)`), so that a later fsync has less to do.
    /// Advisory: errors are ignored; the fsync that follows is what guarantees durability.
    public func startWriteback(offset: Int, count: Int) {
        _ = swst_start_writeback(rawValue, Int64(offset), Int64(count))
    }
}

extension FilePermissions {
    /// `0644`, what `open(2)` callers here give a new file unless told otherwise.
    public static let defaultFile: FilePermissions = [.ownerReadWrite, .groupRead, .otherRead]

    /// From a `mode_t` (the permission bits only).
    public init(mode: mode_t) {
        self.init(rawValue: CModeT(mode & 0o7777))
    }
}
