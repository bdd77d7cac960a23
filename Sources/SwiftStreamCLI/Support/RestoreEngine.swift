import Logging
import SwiftStream

/// The core calls `restore` makes, behind closures so tests can substitute them.
public struct RestoreEngine: Sendable {
    /// What a restore request ended with.
    public enum Outcome: Sendable, Equatable {
        /// No generation matched (restore.md §2 step 5).
        case noMatchingBackups
        /// The database was written to the output path from this replica and generation.
        case restored(replica: String, generation: Generation)
    }

    /// What to restore from where.
    public struct Request: Sendable {
        /// Candidate replicas in config order (already restricted by `-replica`).
        public var replicas: [NamedReplica]
        /// `-generation`, if given.
        public var generation: Generation?
        /// `-timestamp`, if given.
        public var timestamp: Timestamp?
        public var options: RestoreOptions
    }

    /// Chooses the target and runs the restore.
    public var restore: @Sendable (_ request: Request, _ logger: Logger) async throws -> Outcome

    public init(restore: @escaping @Sendable (_ request: Request, _ logger: Logger) async throws -> Outcome) {
        self.restore = restore
    }

    /// `Restore.chooseTarget` then `Restore.run` from the core library.
    public static let standard = RestoreEngine { request, logger in
        guard
            let target = try await Restore.chooseTarget(
                replicas: request.replicas, generation: request.generation, timestamp: request.timestamp
            )
        else { return .noMatchingBackups }
        try await Restore.run(target: target, options: request.options, logger: logger)
        return .restored(replica: target.replica.name, generation: target.generation)
    }
}
