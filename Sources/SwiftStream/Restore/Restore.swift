import Logging
import SwiftStreamSystem
import SystemPackage

/// Restoring a database from a replica (restore.md).
public enum Restore {
    /// Chooses the replica and generation to restore (restore.md §3): per replica the generation
    /// with the latest object time (restricted to `generation` and to generations created at or
    /// before `timestamp`), then across replicas the strictly latest one (ties: config order).
    /// Returns nil when nothing matches. Listing errors abort, as in Litestream.
    ///
    /// With a `timestamp`, generations are ranked by the newest state they hold at that time
    /// (`min(updated, timestamp)`), then by their latest object time: among generations whose
    /// range contains the timestamp this is Litestream's choice. Unlike Litestream, a timestamp
    /// later than every object (e.g. "now") chooses the newest generation instead of nothing; a
    /// timestamp before every generation still matches nothing.
    public static func chooseTarget(
        replicas: [NamedReplica], generation: Generation?, timestamp: Timestamp?
    ) async throws -> RestoreTarget? {
        func isBetter(_ candidate: RestoreTarget, than current: RestoreTarget?) -> Bool {
            guard let current else { return true }
            guard let timestamp else { return current.updatedAt < candidate.updatedAt }
            let (reached, currentReached) = (min(candidate.updatedAt, timestamp), min(current.updatedAt, timestamp))
            return currentReached != reached ? currentReached < reached : current.updatedAt < candidate.updatedAt
        }
        var best: RestoreTarget?
        for replica in replicas {
            var local: RestoreTarget?
            let generations: [Generation]
            do {
                generations = try await replica.client.generations()
            } catch {
                throw SwiftStreamError.wrap("cannot list generations of replica \"\(replica.name)\"", error)
            }
            for g in generations {
                if let generation, generation != g { continue }
                guard let bounds = try await replica.client.timeBounds(of: g) else { continue }
                if let timestamp, timestamp < bounds.created { continue }
                let candidate = RestoreTarget(replica: replica, generation: g, updatedAt: bounds.updated)
                if isBetter(candidate, than: local) { local = candidate }
            }
            if let local, isBetter(local, than: best) { best = local }
        }
        return best
    }

    /// Restores `target` into `options.outputPath` (restore.md §4).
    ///
    /// The snapshot is stream-decompressed into `<output>.tmp` while WAL segments are downloaded
    /// and decompressed ahead in parallel; WAL indices are then applied strictly in order by
    /// writing each committed frame's page into the file and truncating to the commit's database
    /// size, which is what SQLite's `wal_checkpoint(TRUNCATE)` does to the file (so the result is
    /// byte-identical to Litestream's restore). Unlike Litestream, every frame's salt and checksum
    /// chain is verified and segment offsets must be contiguous, so a damaged or incomplete replica
    /// is an error instead of a silently shorter database. On any failure `<output>.tmp` is removed
    /// and nothing exists at the output path.
    public static func run(target: RestoreTarget, options: RestoreOptions, logger: Logger) async throws {
        let output = options.outputPath
        guard !output.isEmpty else { throw SwiftStreamError(.invalidArgument, "output path required") }
        if options.index != nil && options.timestamp != nil {
            throw SwiftStreamError(.invalidArgument, "cannot specify index & timestamp to restore")
        }
        if FileIO.exists(output) {
            throw SwiftStreamError(.invalidArgument, "cannot restore, output path already exists: \(output)")
        }
        let plan = try await RestorePlan.make(target: target, options: options)
        var logger = logger
        logger[metadataKey: "replica"] = "\(target.replica.name)"
        // A `-wal` or `-shm` beside a database that does not exist belongs to no database, but
        // SQLite would replay that WAL onto the restored file at its first open.
        for stale in [output + "-wal", output + "-shm"] where FileIO.exists(stale) {
            try FileIO.remove(stale)
            logger.warning("removed a stale file beside the restore target", metadata: ["path": "\(stale)"])
        }
        if let timestamp = options.timestamp, target.updatedAt < timestamp {
            logger.info(
                "restoring a state older than the timestamp",
                metadata: [
                    "generation": "\(target.generation)", "timestamp": "\(timestamp.rfc3339Nano)",
                    "latest": "\(target.updatedAt.rfc3339Nano)",
                ])
        }

        let temp = output + ".tmp"
        try FileIO.makeDirectories(Path.dirname(output), mode: 0o700)
        // A leftover temporary file (or a symlink planted in its place) is removed, not written
        // through: the file is created anew, exclusively, without following links.
        try FileIO.remove(temp)
        let fd = try FileDescriptor.open(
            temp, .readWrite, options: [.create, .exclusiveCreate, .noFollow], permissions: .ownerReadWrite)
        do {
            try fd.setPermissions(0o600, path: temp)  // exactly 0600, whatever the umask
            logger.info(
                "restoring snapshot",
                metadata: [
                    "generation": "\(plan.generation)", "index": .stringConvertible(plan.snapshot.index),
                    "path": "\(temp)",
                ])
            let client = target.replica.client
            if plan.segments.isEmpty {
                _ = try await restoreSnapshot(
                    plan: plan, client: client, fd: fd, path: temp, options: options, overlay: nil, writeback: true)
                logger.info("snapshot only, finalizing database")
            } else {
                logger.info(
                    "restoring wal files",
                    metadata: [
                        "generation": "\(plan.generation)", "index_min": .stringConvertible(plan.snapshot.index),
                        "index_max": .stringConvertible(plan.maxIndex),
                    ])
                if plan.walStoredBytes <= options.overlayLimit {
                    // WAL first, into memory (final page versions only), then one pass over the
                    // snapshot that writes every page once and lets the disk start early.
                    var sink = PageOverlay()
                    try await applySegments(
                        plan: plan, client: client, options: options, logger: logger, sink: &sink, snapshotFirst: nil)
                    let written = try await restoreSnapshot(
                        plan: plan, client: client, fd: fd, path: temp, options: options, overlay: sink,
                        writeback: true)
                    try sink.finish(fd: fd, path: temp, snapshotLength: written)
                } else {
                    // Very large WAL: stream the snapshot while segments download, then patch
                    // pages in the file (no early writeback: rewriting pages under writeback stalls).
                    var sink = FilePageSink(fd: fd, path: temp)
                    try await applySegments(
                        plan: plan, client: client, options: options, logger: logger, sink: &sink,
                        snapshotFirst: (fd, temp))
                }
                logger.info("renaming database from temporary location")
            }
            try fd.sync(path: temp)
            options.progress?(
                plan.progress(bytesDone: plan.snapshot.size + plan.walStoredBytes, segmentsDone: plan.segments.count))
            fd.closeIgnoringErrors()  // fsynced: close has nothing left to report
            try FileIO.rename(temp, output)
            FileIO.fsyncDirectory(Path.dirname(output))
        } catch {
            fd.closeIgnoringErrors()
            try? FileIO.remove(temp)
            throw error
        }
    }

    /// Streams the snapshot into `fd` from offset 0; with `overlay`, its pages replace the
    /// snapshot's as they pass. Returns the number of snapshot bytes (decompressed).
    private static func restoreSnapshot(
        plan: RestorePlan, client: any ReplicaClient, fd: FileDescriptor, path: String, options: RestoreOptions,
        overlay: PageOverlay?, writeback: Bool
    ) async throws -> Int {
        let object = "\(plan.generation)/\(ReplicaPaths.snapshotName(index: plan.snapshot.index))"
        do {
            let decoder = try LZ4FrameDecoder()
            var done: Int64 = 0
            var lastReport: Int64 = 0
            // Start writeback of what is written so far every few MiB, so that the disk works
            // while we decompress and the final fsync has little left to wait for.
            var written = 0
            var flushed = 0
            var scratch: [UInt8] = []
            try await client.readSnapshot(plan.generation, index: plan.snapshot.index) { chunk in
                try decoder.feed(chunk) { bytes in
                    if let overlay, overlay.touches(offset: written, count: bytes.count) {
                        scratch.removeAll(keepingCapacity: true)
                        scratch.append(contentsOf: bytes)
                        let limit = scratch.withUnsafeMutableBytes { overlay.merge(into: $0, at: written) }
                        try scratch.withUnsafeBytes {
                            try fd.writeAll(UnsafeRawBufferPointer(rebasing: $0[0..<limit]), path: path)
                        }
                    } else {
                        try fd.writeAll(bytes, path: path)
                    }
                    written += bytes.count
                    if writeback && written - flushed >= 8 << 20 {
                        fd.startWriteback(offset: flushed, count: written - flushed)
                        flushed = written
                    }
                }
                done += Int64(chunk.count)
                if let progress = options.progress, done - lastReport >= 1 << 20 {
                    lastReport = done
                    // With an overlay the WAL was done first; otherwise it is applied afterwards.
                    progress(
                        overlay == nil
                            ? plan.progress(bytesDone: done, segmentsDone: 0)
                            : plan.progress(bytesDone: done + plan.walStoredBytes, segmentsDone: plan.segments.count))
                }
            }
            try decoder.finish()
            return written
        } catch {
            throw SwiftStreamError.wrap("cannot restore snapshot \(object) from \(client.location)", error)
        }
    }

    private enum Fetched: Sendable {
        case snapshot
        case segment(Int, [UInt8], Int64)
    }

    /// Downloads and decompresses segments ahead (`parallelism` at a time, in a bounded window)
    /// and applies them strictly in order to `sink`. With `snapshotFirst`, the snapshot is
    /// streamed into that file concurrently and segments are applied only once it is complete.
    private static func applySegments<Sink: PageSink>(
        plan: RestorePlan, client: any ReplicaClient, options: RestoreOptions, logger: Logger, sink: inout Sink,
        snapshotFirst: (fd: FileDescriptor, path: String)?
    ) async throws {
        let segments = plan.segments
        let window = max(options.parallelism, 1) * 4
        let progress = options.progress
        var applier = WALApplier(generation: plan.generation)
        try await withThrowingTaskGroup(of: Fetched.self) { group in
            var snapshotDone = true
            if let snapshotFirst {
                snapshotDone = false
                group.addTask {
                    _ = try await restoreSnapshot(
                        plan: plan, client: client, fd: snapshotFirst.fd, path: snapshotFirst.path, options: options,
                        overlay: nil, writeback: false)
                    return .snapshot
                }
            }
            var submitted = 0
            var inFlight = 0
            var applied = 0
            var ready: [Int: [UInt8]] = [:]
            // Bytes already accounted for: the snapshot, when it is written first.
            var bytesDone: Int64 = snapshotFirst == nil ? 0 : plan.snapshot.size
            var indexStart = ContinuousClock.now

            func submit() {
                while submitted < segments.count && inFlight < options.parallelism && submitted < applied + window {
                    let sequence = submitted
                    let segment = segments[sequence]
                    group.addTask {
                        do {
                            let compressed = try await client.walSegment(at: segment.position)
                            var data = try LZ4Frame.decompress(compressed)
                            if let end = plan.walEnd, segment.index == end.index,
                                segment.offset + data.count > end.offset
                            {
                                data.removeLast(segment.offset + data.count - max(end.offset, segment.offset))
                            }
                            return .segment(sequence, data, Int64(compressed.count))
                        } catch {
                            let name = ReplicaPaths.walSegmentName(index: segment.index, offset: segment.offset)
                            throw SwiftStreamError.wrap(
                                "cannot download wal segment \(segment.generation)/\(name) from \(client.location)",
                                error)
                        }
                    }
                    submitted += 1
                    inFlight += 1
                }
            }
            submit()
            while applied < segments.count {
                if snapshotDone, let data = ready.removeValue(forKey: applied) {
                    let segment = segments[applied]
                    if applied == 0 || segments[applied - 1].index != segment.index {
                        indexStart = ContinuousClock.now
                    }
                    try applier.apply(segment: segment, data: data, to: &sink)
                    applied += 1
                    if applied == segments.count || segments[applied].index != segment.index {
                        try applier.finishIndex(to: &sink)
                        logger.debug(
                            "applied wal",
                            metadata: [
                                "generation": "\(plan.generation)", "index": .stringConvertible(segment.index),
                                "elapsed": "\((ContinuousClock.now - indexStart).goDescription)",
                            ])
                    }
                    progress?(plan.progress(bytesDone: bytesDone, segmentsDone: applied))
                    submit()
                    continue
                }
                guard let result = try await group.next() else { break }
                switch result {
                case .snapshot:
                    snapshotDone = true
                case .segment(let sequence, let data, let stored):
                    ready[sequence] = data
                    inFlight -= 1
                    bytesDone += stored
                }
                submit()
            }
            while !snapshotDone, let result = try await group.next() {
                if case .snapshot = result { snapshotDone = true }
            }
        }
    }
}
