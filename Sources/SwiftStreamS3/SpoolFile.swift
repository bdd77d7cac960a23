import SwiftStream
import SwiftStreamHTTP

/// A temporary file that snapshot downloads land in, so that a retried request can refetch the
/// whole object without handing the caller the same bytes twice.
final class SpoolFile {
    let path: String
    private var fd: Int32

    init(directory: String) throws {
        var rng = SystemRandomNumberGenerator()
        var opened: (String, Int32)?
        for _ in 0..<8 {
            let candidate = "\(directory)/swiftstream-s3-\(String(rng.next() as UInt64, radix: 36)).tmp"
            let fd = open(candidate, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd >= 0 {
                opened = (candidate, fd)
                break
            }
            if errno != EEXIST { throw SystemError("open", candidate, errno: errno) }
        }
        guard let opened else { throw SwiftStreamError(.io, "cannot create a temporary file in \(directory)") }
        (path, fd) = opened
    }

    deinit { if fd >= 0 { close(fd) } }

    func closeForWriting() {
        if fd >= 0 { close(fd) }
        fd = -1
    }

    func remove() {
        closeForWriting()
        unlink(path)
    }

    /// Passes the whole file to `chunk` in 1 MiB pieces.
    static func stream(_ path: String, _ chunk: (UnsafeRawBufferPointer) throws -> Void) throws {
        try read(path, offset: 0, length: Int64.max, chunk)
    }

    private static func read(
        _ path: String, offset: Int64, length: Int64, _ chunk: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let fd = try FileIO.open(path, O_RDONLY)
        defer { close(fd) }
        let capacity = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        var position = offset
        var remaining = length
        while remaining > 0 {
            let want = Int(min(Int64(capacity), remaining))
            let n = pread(fd, buffer.baseAddress, want, off_t(position))
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError("read", path, errno: errno)
            }
            if n == 0 { break }
            try chunk(UnsafeRawBufferPointer(start: buffer.baseAddress, count: n))
            position += Int64(n)
            remaining -= Int64(n)
        }
    }
}
