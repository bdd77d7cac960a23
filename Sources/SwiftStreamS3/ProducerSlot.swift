import Glibc
import Synchronization

/// Holds a snapshot producer for the thread that runs it, which takes it out (once) so that no
/// reference to it is left when that thread reports back: `uploadWhileProducing` hands it over
/// through `withoutActuallyEscaping` and waits for the thread before it returns.
/// `@unchecked Sendable`: `produce` is written at creation and taken once, with `lock` held.
final class ProducerSlot: @unchecked Sendable {
    typealias Produce = (_ sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Void
    private var produce: Produce?
    private let lock = Mutex(())

    init(_ produce: @escaping Produce) { self.produce = produce }

    /// The producer; after the first call, a producer that writes nothing.
    func take() -> Produce {
        lock.withLock { _ in
            defer { produce = nil }
            return produce ?? { _ in }
        }
    }
}
