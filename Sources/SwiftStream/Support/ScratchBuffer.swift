/// A byte buffer allocated once and reused by its owner (an actor) for every batch it reads.
///
/// Steady-state replication reads the WAL and the shadow WAL in 1 MiB batches. Allocating a
/// fresh array per batch left glibc's per-thread arenas holding every freed megabyte: the
/// daemon's peak RSS grew by ~13 MB over a 20-second write burst. One buffer per owner keeps
/// that flat. Not `Sendable`: it never leaves its owner's isolation.
final class ScratchBuffer {
    private var storage: UnsafeMutableRawBufferPointer

    init(capacity: Int) {
        storage = .allocate(byteCount: max(capacity, 16), alignment: 16)
    }

    deinit { storage.deallocate() }

    /// Reads up to `count` bytes at `offset` into the buffer (grown when smaller); fewer only at
    /// end of file. The result is valid until the next call.
    func pread(_ fd: Int32, count: Int, at offset: Int, path: String) throws -> UnsafeRawBufferPointer {
        if count > storage.count {
            storage.deallocate()
            storage = .allocate(byteCount: count, alignment: 16)
        }
        var done = 0
        while done < count {
            let n = Glibc.pread(fd, storage.baseAddress! + done, count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError("read", path, errno: errno)
            }
            if n == 0 { break }
            done += n
        }
        return UnsafeRawBufferPointer(start: storage.baseAddress, count: done)
    }
}
