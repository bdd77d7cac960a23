import Glibc
import Synchronization

/// Hands the parts of an upload from the thread that produces them (a snapshot: the database
/// file read and LZ4-compressed) to the task that uploads them, one at a time: a snapshot is
/// uploaded while it is produced, with two part-sized buffers in memory (one being sent, the
/// next one filled), instead of being staged whole in `$TMPDIR` first (on Cloud Run that
/// directory is memory, next to the database). Compressing a part takes a fraction of the time
/// its upload takes, so a queue of finished parts would only cost memory.
///
/// `@unchecked Sendable`: `state` is only touched with `mutex` held. The producer blocks on the
/// condition variable, on its own thread only; the consumer never blocks (it suspends).
final class PartPipe: @unchecked Sendable {
    private enum Taken {
        case part([UInt8])
        case end
        case failure(any Error)
        case wait
    }

    private struct State {
        var parts: [[UInt8]] = []
        var finished = false
        var failure: (any Error)?
        var cancelled = false
        var consumer: CheckedContinuation<[UInt8]?, any Error>?
        var producerDone = false
        var doneWaiter: CheckedContinuation<Void, Never>?
    }

    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    /// Signalled when the waiting part is taken or the consumer gives up.
    private let spaceFreed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var state = State()

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(spaceFreed, nil)
    }

    deinit {
        pthread_cond_destroy(spaceFreed)
        pthread_mutex_destroy(mutex)
        spaceFreed.deallocate()
        mutex.deallocate()
    }

    private func withLock<T>(_ body: (inout State) throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&state)
    }

    // MARK: Producer side (its own thread; may block)

    /// Hands a finished part to the consumer and returns once the consumer has it. Throws
    /// `CancellationError` once the consumer gave up.
    ///
    /// The wait is written with plain reads of `state` around `pthread_cond_wait`, not inside
    /// `withLock`: an `inout` access lasts the whole closure, and exclusivity lets the optimizer
    /// read `state.parts` once for the whole wait, which would then never end.
    func put(_ part: [UInt8]) throws {
        pthread_mutex_lock(mutex)
        if let consumer = state.consumer, !state.cancelled {
            state.consumer = nil
            pthread_mutex_unlock(mutex)
            consumer.resume(returning: part)
            return
        }
        if !state.cancelled { state.parts.append(part) }
        while !state.parts.isEmpty && !state.cancelled { pthread_cond_wait(spaceFreed, mutex) }
        let cancelled = state.cancelled
        pthread_mutex_unlock(mutex)
        if cancelled { throw CancellationError() }
    }

    /// The producer is done, after its last part (`error` nil) or because of `error`.
    func finish(_ error: (any Error)?) {
        let (consumer, doneWaiter) = withLock { state in
            if let error { state.failure = error } else { state.finished = true }
            state.producerDone = true
            defer {
                state.consumer = nil
                state.doneWaiter = nil
            }
            return (state.consumer, state.doneWaiter)
        }
        if let consumer {
            if let error { consumer.resume(throwing: error) } else { consumer.resume(returning: nil) }
        }
        doneWaiter?.resume()
    }

    // MARK: Consumer side (async)

    /// The next part; nil after the last one; throws the producer's error.
    func next() async throws -> [UInt8]? {
        try await withCheckedThrowingContinuation { continuation in
            let taken = withLock { state -> Taken in
                if !state.parts.isEmpty {
                    pthread_cond_signal(spaceFreed)
                    return .part(state.parts.removeFirst())
                }
                if let failure = state.failure { return .failure(failure) }
                if state.finished { return .end }
                state.consumer = continuation
                return .wait
            }
            switch taken {
            case .part(let part): continuation.resume(returning: part)
            case .end: continuation.resume(returning: nil)
            case .failure(let error): continuation.resume(throwing: error)
            case .wait: break
            }
        }
    }

    /// Makes the producer's next `put` throw (and wakes it if it waits for space).
    func cancel() {
        withLock { state in
            state.cancelled = true
            pthread_cond_broadcast(spaceFreed)
        }
    }

    /// Returns once the producer called `finish`.
    func producerFinished() async {
        await withCheckedContinuation { continuation in
            let done = withLock { state -> Bool in
                if state.producerDone { return true }
                state.doneWaiter = continuation
                return false
            }
            if done { continuation.resume() }
        }
    }
}
