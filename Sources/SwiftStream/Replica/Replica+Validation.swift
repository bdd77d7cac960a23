import Logging
import SwiftStreamSystem
import SystemPackage

/// The outcome of one restore drill.
public struct ValidationReport: Sendable, Equatable {
    public var position: WALPosition
    /// CRC-64 of the database at `position`.
    public var databaseChecksum: UInt64
    /// CRC-64 of what the replica restores to at `position`.
    public var replicaChecksum: UInt64
    public var matches: Bool { databaseChecksum == replicaChecksum }
}

extension Replica {
    /// Runs a restore drill every `validationInterval` (replication.md §10).
    func validator(database: Database) async {
        await repeatEvery(settings.validationInterval) { await validateAndLog(database: database) }
    }

    private func validateAndLog(database: Database) async {
        do {
            guard let report = try await validate(database: database) else { return }
            validationCounts[report.matches ? "ok" : "error", default: 0] += 1
            let metadata: Logger.Metadata = [
                "status": "\(report.matches ? "ok" : "mismatch")", "db": "\(CRC64.format(report.databaseChecksum))",
                "replica": "\(CRC64.format(report.replicaChecksum))", "position": "\(report.position)",
            ]
            logger.info("validator", metadata: metadata)
            if !report.matches {
                logger.error(
                    "invalid replica, checksum mismatch",
                    metadata: ["generation": "\(report.position.generation)", "position": "\(report.position)"])
            }
        } catch {
            if Task.isCancelled { return }
            validationCounts["error", default: 0] += 1
            logger.error("validator error", metadata: ["error": "\(error)"])
        }
    }

    /// Restore drills so far by outcome: `ok`, and `error` (a mismatch, or a drill that failed).
    public var validationTotals: (ok: Int, error: Int) {
        (validationCounts["ok", default: 0], validationCounts["error", default: 0])
    }

    /// One restore drill: checksums the database at its current WAL position, waits until this
    /// replica has uploaded that position (at most `timeout`), restores exactly that position
    /// into the meta directory and compares the checksums. Nil when the database has no
    /// generation yet. The restored file is removed, or kept on a mismatch when
    /// `keepsMismatchedValidation` is set. Unlike Litestream, which restores up to the index
    /// before a RESTART checkpoint (and so cannot validate at index 0), the drill ends at the
    /// exact position and needs no checkpoint.
    public func validate(database: Database, timeout: Duration? = nil) async throws -> ValidationReport? {
        guard let point = try await database.validationPoint() else { return nil }
        let target = point.position
        let clock = ContinuousClock()
        let deadline = clock.now + (timeout ?? max(.seconds(10), settings.syncInterval * 10))
        while !reached(target) {
            guard clock.now < deadline else {
                throw SwiftStreamError(
                    .io,
                    "validation: replica did not reach position \(target) in time (at \(currentPosition.map { "\($0)" } ?? "none"))"
                )
            }
            try await Task.sleep(for: .milliseconds(100))
        }

        let output = database.metaPath + "/validation.tmp"
        try FileIO.remove(output)
        var quiet = logger
        quiet.logLevel = .warning
        try await Restore.run(
            target: RestoreTarget(
                replica: NamedReplica(name: name, client: client), generation: target.generation,
                updatedAt: Timestamp.now()),
            options: RestoreOptions(outputPath: output, index: target.index, endOffset: target.offset),
            logger: quiet)
        var crc = CRC64()
        do {
            try FileDescriptor.withOpened(output) { try $0.readChunks(path: output) { crc.update($0) } }
        } catch {
            try? FileIO.remove(output)
            throw error
        }
        let report = ValidationReport(position: target, databaseChecksum: point.checksum, replicaChecksum: crc.value)
        if !report.matches && settings.keepsMismatchedValidation {
            let kept =
                database.metaPath + "/validation-\(target.generation)-\(Hex.format8(target.index))-\(target.offset).db"
            try FileIO.rename(output, kept)
            logger.warning("validation mismatch kept", metadata: ["path": "\(kept)"])
        } else {
            try FileIO.remove(output)
        }
        return report
    }

    private func reached(_ target: WALPosition) -> Bool {
        guard let position = currentPosition, position.generation == target.generation else { return false }
        return position >= target
    }
}
