import SwiftStream
import SwiftStreamSystem

/// Runs blocking C calls (`curl_easy_perform`) on their own threads, off Swift's cooperative pool.
///
/// Each call gets a detached POSIX thread. Dispatch's global and concurrent queues are not an
/// option on Linux: they do not overcommit, so a few blocked transfers would starve every other
/// queue of the process.
enum BlockingIO {
    /// Runs `body` on a new thread and returns its result.
    static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            detach { continuation.resume(returning: body()) }
        }
    }

    static func detach(_ body: @escaping @Sendable () -> Void) {
        // No thread available (EAGAIN): run inline rather than lose the continuation.
        if !DetachedThread.start(body) { body() }
    }
}
