import SwiftStreamSystem
import SystemPackage

/// A byte buffer allocated once and reused by its owner (an actor) for every batch it reads.
///
/// Steady-state replication reads the WAL and the shadow WAL in 1 MiB batches; a fresh array
/// per batch would leave glibc's per-thread arenas holding freed megabytes, so each owner keeps
/// one buffer. Not `Sendable`: it never leaves its owner's isolation.
final class ScratchBuffer {
    private var storage: UnsafeMutableRawBufferPointer

    init(capacity: Int) {
        storage = .allocate(byteCount: max(capacity, 16), alignment: 16)
    }

    deinit { storage.deallocate() }

    /// Reads up to `count` bytes at `offset` into the buffer (grown when smaller); fewer only at
    /// end of file. The result is valid until the next call.
    func read(_ descriptor: FileDescriptor, count: Int, at offset: Int, path: String) throws -> UnsafeRawBufferPointer {
        if count > storage.count {
            storage.deallocate()
            storage = .allocate(byteCount: count, alignment: 16)
        }
        let done = try descriptor.read(
            into: UnsafeMutableRawBufferPointer(rebasing: storage[0..<count]), at: offset, path: path)
        return UnsafeRawBufferPointer(rebasing: storage[0..<done])
    }
}
