import SwiftStream

/// Runs blocking C calls (`curl_easy_perform`) on their own threads, off Swift's cooperative pool.
///
/// Each call gets a detached POSIX thread. Dispatch's global and concurrent queues are not an
/// option on Linux: they do not overcommit, so a few blocked transfers would starve every other
/// queue of the process (observed: two stalled requests held up unrelated work for seconds).
enum BlockingIO {
    private final class Work {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// Runs `body` on a new thread and returns its result.
    static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            detach { continuation.resume(returning: body()) }
        }
    }

    static func detach(_ body: @escaping @Sendable () -> Void) {
        let work = Unmanaged.passRetained(Work(body)).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        var thread = pthread_t()
        let rc = pthread_create(
            &thread, &attributes,
            { argument in
                guard let argument else { return nil }
                Unmanaged<Work>.fromOpaque(argument).takeRetainedValue().body()
                return nil
            }, work)
        if rc != 0 {
            // No thread available (EAGAIN): run inline rather than lose the continuation.
            Unmanaged<Work>.fromOpaque(work).takeRetainedValue().body()
        }
    }
}
