import Logging
import SwiftStreamSystem
import Synchronization
import SystemPackage

/// Uploads one database's shadow WAL and snapshots to one replica destination (Litestream's
/// `Replica`, replica.go).
///
/// Every operation that writes or deletes objects (upload rounds, snapshots, retention) runs
/// under one lock, so uploads of a replica are strictly sequential.
public actor Replica {
    public nonisolated let name: String
    public nonisolated let client: any ReplicaClient
    public nonisolated let settings: ReplicaSettings
    let logger: Logger
    nonisolated let positionBox = ReplicaPositionBox()
    private let changes: AsyncStream<Void>
    private let initialized: AsyncStream<Void>

    private var position: WALPosition?
    /// Created at the first upload and reused by every later one.
    private var segmentBuffers: SegmentBuffers?
    /// Restore drills by outcome (`ok`, `error`), as `litestream_replica_validation_total` counts them.
    var validationCounts: [String: Int] = ["ok": 0, "error": 0]
    private var locked = false
    private var lockWaiters: [CheckedContinuation<Void, Never>] = []

    init(
        name: String, client: any ReplicaClient, settings: ReplicaSettings, logger: Logger,
        changes: AsyncStream<Void>, initialized: AsyncStream<Void>
    ) {
        self.name = name
        self.client = client
        self.settings = settings
        var logger = logger
        logger[metadataKey: "replica"] = "\(name)"
        self.logger = logger
        self.changes = changes
        self.initialized = initialized
    }

    /// The last position known to be uploaded (nil before the first round or after an error).
    public var currentPosition: WALPosition? { position }

    private func setPosition(_ newValue: WALPosition?) {
        position = newValue
        positionBox.store(newValue)
    }

    private func lock() async {
        if !locked {
            locked = true
            return
        }
        await withCheckedContinuation { lockWaiters.append($0) }
    }

    private func unlock() {
        if lockWaiters.isEmpty {
            locked = false
        } else {
            lockWaiters.removeFirst().resume()
        }
    }

    // MARK: - Loops

    /// Waits until the database is initialised, then runs the sync loop, the retainer and the
    /// snapshotter until cancelled.
    func run(database: Database) async {
        var started = false
        for await _ in initialized {
            started = true
            break
        }
        guard started, !Task.isCancelled else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.monitor(database: database) }
            if settings.retention > .zero {
                group.addTask { await self.retainer(database: database) }
            }
            if settings.snapshotInterval > .zero {
                group.addTask { await self.snapshotter(database: database) }
            }
            if settings.validationInterval > .zero {
                group.addTask { await self.validator(database: database) }
            }
        }
    }

    /// First round at once; later rounds at most once per sync interval and only after the
    /// database reported a change (replication.md §7.1) — or, unlike Litestream, after a failed
    /// round: that one is retried at the next sync interval on its own. Litestream waits for the
    /// next change, so what an outage kept from the replica stays local until the application
    /// writes again or a checkpoint happens (with an idle application: `checkpoint-interval`
    /// later, or never when the WAL holds at most one frame). While rounds succeed and the
    /// database is idle nothing runs, so an idle database still costs no request.
    private func monitor(database: Database) async {
        let clock = ContinuousClock()
        var lastStart = clock.now
        var failed = await !monitorRound(database: database)
        var changes = self.changes.makeAsyncIterator()
        while true {
            if !failed {
                guard await changes.next(isolation: #isolation) != nil else { return }
            }
            do {
                try await clock.sleep(until: lastStart.advanced(by: settings.syncInterval))
            } catch {
                return
            }
            lastStart = clock.now
            failed = await !monitorRound(database: database)
        }
    }

    /// One upload round; false (after logging) when it failed.
    private func monitorRound(database: Database) async -> Bool {
        do {
            try await sync(database: database)
            return true
        } catch {
            if Task.isCancelled { return true }
            logger.error("monitor error", metadata: ["error": "\(error)"])
            return false
        }
    }

    private func retainer(database: Database) async {
        await repeatEvery(min(settings.retentionCheckInterval, settings.retention)) {
            do {
                try await enforceRetention(database: database)
            } catch {
                if Task.isCancelled { return }
                logger.error("retainer error", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Replication.md §8.2: first snapshot `interval - age(latest snapshot)` after start, then
    /// one every interval.
    private func snapshotter(database: Database) async {
        let interval = settings.snapshotInterval
        let clock = ContinuousClock()
        if let state = try? await database.shadowState() {
            do {
                let snapshots = try await client.snapshots(in: state.position.generation)
                if let latest = snapshots.max(by: { $0.index < $1.index }) {
                    let age = Duration.nanoseconds(Timestamp.now().nanoseconds - latest.createdAt.nanoseconds)
                    let wait = max(.zero, interval - age)
                    logger.info(
                        "snapshot interval adjusted",
                        metadata: ["previous": "\(latest.createdAt.rfc3339)", "next": "\(wait.goDescription)"])
                    do {
                        try await clock.sleep(for: wait)
                    } catch {
                        return
                    }
                    await snapshotAndLog(database: database)
                }
            } catch {
                if Task.isCancelled { return }
                logger.error("snapshotter cannot determine latest snapshot", metadata: ["error": "\(error)"])
            }
        }
        await repeatEvery(interval) { await snapshotAndLog(database: database) }
    }

    private func snapshotAndLog(database: Database) async {
        do {
            _ = try await snapshot(database: database)
        } catch let error as SwiftStreamError where error == Database.noGeneration {
            return
        } catch {
            if Task.isCancelled { return }
            logger.error("snapshotter error", metadata: ["error": "\(error)"])
        }
    }

    /// The final upload round at shutdown; returns its error instead of throwing.
    func finalSync(database: Database) async -> (any Error)? {
        do {
            try await sync(database: database)
            return nil
        } catch {
            logger.error("sync error", metadata: ["error": "\(error)"])
            return error
        }
    }

    // MARK: - Sync (replication.md §7.2)

    /// One upload round: snapshot first if the generation has none here, recover the position
    /// from the replica when the generation changed, then upload one segment per index until the
    /// shadow WAL is exhausted. Clears the position on error.
    public func sync(database: Database) async throws {
        await lock()
        defer { unlock() }
        do {
            if await database.isSuspendedForBacklog(replica: name) {
                // The database stopped copying because of this replica's backlog: one upload
                // shows whether the store answers again; then a new generation replaces the
                // rest of the backlog, which now has a gap.
                try await syncLocked(database: database, segmentLimit: 1)
                try await database.resumeAfterBacklog()
            }
            try await syncLocked(database: database)
        } catch {
            setPosition(nil)
            throw error
        }
    }

    /// - Parameters:
    ///   - mayStartGeneration: whether an unreadable last segment may start a new generation
    ///     (once per round).
    ///   - segmentLimit: how many segments the round uploads at most.
    private func syncLocked(
        database: Database, mayStartGeneration: Bool = true, segmentLimit: Int = .max
    ) async throws {
        guard let state = try await database.shadowState() else {
            throw SwiftStreamError(.notFound, "no generation, waiting for data")
        }
        let generation = state.position.generation
        logger.debug("replica sync", metadata: ["position": "\(state.position)"])
        if position?.generation != generation {
            if try await client.snapshots(in: generation).isEmpty {
                try await snapshot(into: generation, database: database)
            }
            do {
                try await recoverPosition(generation)
            } catch let error as SwiftStreamError where mayStartGeneration && error.cause is LZ4Error {
                // The replica's objects end in a segment nobody can decompress: restores (ours
                // and Litestream's) would stop there too. A snapshot in this generation does not
                // help when its index is the segment's (restores replay that index's segments
                // from offset 0): only a new generation gives the replica a clean start.
                logger.warning(
                    "replica: last wal segment unreadable, starting a new generation",
                    metadata: ["generation": "\(generation)", "error": "\(error)"])
                try await database.startGeneration(reason: "replica \(name): last wal segment unreadable")
                return try await syncLocked(database: database, mayStartGeneration: false, segmentLimit: segmentLimit)
            }
        }
        do {
            try await uploadSegments(database: database, state: state, limit: segmentLimit)
        } catch let gone as ShadowFileGone {
            // The position points into a shadow file that is gone (cleaned up, or lost in a
            // crash) while later ones exist: what lies between cannot be uploaded any more. A
            // snapshot at the current index closes the gap for this replica alone; restores
            // start from the latest snapshot, so the segments before it are never read.
            logger.warning(
                "replica: position behind the local shadow wal, new snapshot",
                metadata: ["position": "\(position?.description ?? "")", "reason": "\(gone)"])
            try await snapshot(into: generation, database: database)
            try await recoverPosition(generation)
            try await uploadSegments(database: database, state: state, limit: segmentLimit)
        }
    }

    private func uploadSegments(
        database: Database, state: (position: WALPosition, pageSize: Int), limit: Int
    ) async throws {
        var uploaded = 0
        while uploaded < limit,
            try await uploadSegment(database: database, pageSize: state.pageSize, currentIndex: state.position.index)
        {
            uploaded += 1
            try Task.checkCancellation()
        }
    }

    /// A snapshot of the database, which must still be in `generation`.
    private func snapshot(into generation: Generation, database: Database) async throws {
        let info = try await snapshotLocked(database: database)
        if info.generation != generation {
            throw SwiftStreamError(.io, "generation changed during snapshot, exiting sync")
        }
    }

    /// Sets the position from the replica's objects (`calculatePosition`).
    private func recoverPosition(_ generation: Generation) async throws {
        let recovered: WALPosition
        do {
            recovered = try await calculatePosition(generation)
        } catch {
            throw SwiftStreamError.wrap("cannot determine replica position", error)
        }
        logger.debug("replica sync: calc new pos", metadata: ["position": "\(recovered)"])
        setPosition(recovered)
    }

    /// (max snapshot index, 0) without segments at or after that index, else the end of the
    /// highest segment measured by decompressing it. (Litestream takes the highest segment even
    /// below the latest snapshot; the recovery from a shadow gap snapshots past such segments.)
    private func calculatePosition(_ generation: Generation) async throws -> WALPosition {
        let snapshots = try await client.snapshots(in: generation)
        guard let snapshot = snapshots.max(by: { $0.index < $1.index }) else {
            throw SwiftStreamError(.notFound, "no snapshot available: generation=\(generation)")
        }
        let segments = try await client.walSegments(in: generation)
        guard let last = segments.max(by: { ($0.index, $0.offset) < ($1.index, $1.offset) }),
            last.index >= snapshot.index
        else {
            return WALPosition(generation: generation, index: snapshot.index, offset: 0)
        }
        let compressed = try await client.walSegment(at: last.position)
        let length = try LZ4Frame.decompress(compressed).count
        return WALPosition(generation: generation, index: last.index, offset: last.offset + length)
    }

    /// Uploads everything after the position in its shadow file (or the next index's file from
    /// offset 0); false when there is nothing to upload.
    private func uploadSegment(database: Database, pageSize: Int, currentIndex: Int) async throws -> Bool {
        guard let position,
            let (descriptor, start, path, size) = try Replica.openPendingShadow(
                after: position, database: database, pageSize: pageSize, currentIndex: currentIndex)
        else { return false }
        defer { descriptor.closeIgnoringErrors() }

        logger.info("write wal segment", metadata: ["position": "\(start)"])
        let clock = ContinuousClock()
        let began = clock.now
        let buffers = try segmentBuffers ?? SegmentBuffers()
        segmentBuffers = buffers
        let compressed = try Replica.compressSegment(
            descriptor: descriptor, path: path, from: start, to: size, pageSize: pageSize, using: buffers)
        _ = try await client.writeWALSegment(at: start, compressed: compressed)
        setPosition(WALPosition(generation: start.generation, index: start.index, offset: size))
        logger.debug(
            "wal segment written",
            metadata: [
                "position": "\(start)", "elapsed": "\((clock.now - began).goDescription)",
                "sz": .stringConvertible(size - start.offset),
            ])
        return true
    }

    /// The shadow file that holds bytes after `position` (its own file, or the next index's from
    /// offset 0), open, with where the upload starts and the file's frame-aligned size; nil when
    /// there is nothing to upload. Throws `ShadowFileGone` when the position's file is missing
    /// below the database's `currentIndex`.
    private static func openPendingShadow(
        after position: WALPosition, database: Database, pageSize: Int, currentIndex: Int
    ) throws -> (FileDescriptor, WALPosition, String, Int)? {
        let path = database.shadowWALPath(position.generation, index: position.index)
        if position.index < currentIndex, !FileIO.exists(path) { throw ShadowFileGone(path: path) }
        let (descriptor, size) = try openShadow(path, pageSize: pageSize)
        if position.offset < size { return (descriptor, position, path, size) }
        descriptor.closeIgnoringErrors()
        if position.offset > size {
            throw SwiftStreamError(.corrupt, "wal reader offset too high: \(position.offset) > \(size)")
        }
        let next = WALPosition(generation: position.generation, index: position.index + 1, offset: 0)
        let nextPath = database.shadowWALPath(next.generation, index: next.index)
        guard FileIO.exists(nextPath) else { return nil }
        let (nextDescriptor, nextSize) = try openShadow(nextPath, pageSize: pageSize)
        guard nextSize > 0 else {
            nextDescriptor.closeIgnoringErrors()
            return nil
        }
        return (nextDescriptor, next, nextPath, nextSize)
    }

    /// The shadow file a replica's position points into no longer exists, though later ones do.
    struct ShadowFileGone: Error, CustomStringConvertible {
        let path: String
        var description: String { "shadow wal \(path) no longer exists" }
    }

    /// Opens a shadow file and reads its frame-aligned size (closing it again if that fails).
    private static func openShadow(_ path: String, pageSize: Int) throws -> (FileDescriptor, Int) {
        let descriptor = try FileDescriptor.open(path, .readOnly)
        do {
            return (descriptor, try alignedSize(descriptor, path: path, pageSize: pageSize))
        } catch {
            descriptor.closeIgnoringErrors()
            throw error
        }
    }

    private static func alignedSize(_ descriptor: FileDescriptor, path: String, pageSize: Int) throws -> Int {
        WAL.alignedSize(Int(try descriptor.status(path: path).st_size), pageSize: pageSize)
    }

    /// LZ4-compresses bytes `[start.offset, end)` of a shadow file: the header when at offset 0,
    /// then whole frames whose salts must all match (`replica salt mismatch`).
    static func compressSegment(
        descriptor: FileDescriptor, path: String, from start: WALPosition, to end: Int, pageSize: Int,
        using buffers: SegmentBuffers
    ) throws -> [UInt8] {
        let frameSize = WAL.frameHeaderSize + pageSize
        let encoder = buffers.encoder
        var output: [UInt8] = []
        // Sized once, so that appending never copies the segment.
        output.reserveCapacity(encoder.maximumFrameSize(forInput: end - start.offset))
        let sink: (UnsafeRawBufferPointer) throws -> Void = { output.append(contentsOf: $0) }
        try encoder.begin(sink: sink)
        var offset = start.offset
        var previousSalt: UInt64 = 0
        if offset == 0 {
            let header = try descriptor.read(count: WAL.headerSize, at: 0, path: path)
            guard header.count == WAL.headerSize else { throw SwiftStreamError(.io, "read \(path): unexpected EOF") }
            previousSalt = UInt64(WAL.readBE32(header, 16)) << 32 | UInt64(WAL.readBE32(header, 20))
            try header.withUnsafeBytes { try encoder.update($0, sink: sink) }
            offset = WAL.headerSize
        }
        let batchFrames = max(1, (1 << 20) / frameSize)
        while offset < end {
            let count = min(batchFrames * frameSize, end - offset)
            let batch = try buffers.scratch.read(descriptor, count: count, at: offset, path: path)
            guard batch.count == count else { throw SwiftStreamError(.io, "read \(path): unexpected EOF") }
            var frameStart = 0
            while frameStart < count {
                let salt =
                    UInt64(WAL.readBE32(batch, frameStart + 8)) << 32 | UInt64(WAL.readBE32(batch, frameStart + 12))
                if previousSalt != 0 && previousSalt != salt {
                    let at = WALPosition(generation: start.generation, index: start.index, offset: offset + frameStart)
                    throw SwiftStreamError(.corrupt, "replica salt mismatch: \(at)")
                }
                previousSalt = salt
                frameStart += frameSize
            }
            try encoder.update(batch, sink: sink)
            offset += count
        }
        try encoder.end(sink: sink)
        return output
    }

    // MARK: - Snapshots (replication.md §8)

    /// Uploads a snapshot of the whole database file, tagged with the current shadow index.
    public func snapshot(database: Database) async throws -> SnapshotInfo {
        await lock()
        defer { unlock() }
        return try await snapshotLocked(database: database)
    }

    private func snapshotLocked(database: Database) async throws -> SnapshotInfo {
        let lease = try await database.beginSnapshot()
        let databasePath = database.path
        do {
            logger.info("write snapshot", metadata: ["position": "\(lease.position)"])
            let clock = ContinuousClock()
            let began = clock.now
            let info = try await client.writeSnapshot(lease.position.generation, index: lease.position.index) {
                sink in
                try Replica.compressDatabase(descriptor: lease.descriptor, path: databasePath, sink: sink)
            }
            await database.endSnapshot(lease)
            logger.info(
                "snapshot written",
                metadata: [
                    "position": "\(lease.position)", "elapsed": "\((clock.now - began).goDescription)",
                    "sz": .stringConvertible(info.size),
                ])
            return info
        } catch {
            await database.endSnapshot(lease)
            throw error
        }
    }

    /// Streams the database file from offset 0 through the LZ4 frame encoder, 1 MiB at a time.
    static func compressDatabase(
        descriptor: FileDescriptor, path: String, sink: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let buffers = try SegmentBuffers()
        try buffers.encoder.begin(sink: sink)
        let chunk = 1 << 20
        var offset = 0
        while true {
            let bytes = try buffers.scratch.read(descriptor, count: chunk, at: offset, path: path)
            if bytes.isEmpty { break }
            try buffers.encoder.update(bytes, sink: sink)
            offset += bytes.count
            if bytes.count < chunk { break }
        }
        try buffers.encoder.end(sink: sink)
    }

    // MARK: - Retention (replication.md §9)

    /// Deletes what the retention window no longer needs; snapshots first when no snapshot is
    /// recent enough.
    public func enforceRetention(database: Database) async throws {
        await lock()
        defer { unlock() }
        var all: [SnapshotInfo] = []
        for generation in try await client.generations() {
            all += try await client.snapshots(in: generation)
        }
        let threshold = Timestamp.now().nanoseconds - settings.retention.nanoseconds
        var retained = all.filter { $0.createdAt.nanoseconds >= threshold }
        if retained.isEmpty {
            do {
                retained.append(try await snapshotLocked(database: database))
            } catch {
                throw SwiftStreamError.wrap("snapshot", error)
            }
        }
        for generation in try await client.generations() {
            guard let keep = retained.filter({ $0.generation == generation }).map(\.index).min() else {
                try await client.deleteGeneration(generation)
                continue
            }
            for snapshot in try await client.snapshots(in: generation) where snapshot.index < keep {
                try await client.deleteSnapshot(generation, index: snapshot.index)
                // Quirk kept from Litestream: the threshold index is logged, not the deleted one.
                logger.info(
                    "snapshot deleted", metadata: ["generation": "\(generation)", "index": .stringConvertible(keep)])
            }
            let stale = try await client.walSegments(in: generation).filter { $0.index < keep }.map(\.position)
            if !stale.isEmpty {
                try await client.deleteWALSegments(stale)
                logger.info(
                    "wal segmented deleted before",
                    metadata: [
                        "generation": "\(generation)", "index": .stringConvertible(keep),
                        "n": .stringConvertible(stale.count),
                    ])
            }
            // A snapshot can be taken while this replica is still in an earlier index (a
            // checkpoint started the next one). Once no snapshot before `keep` is left, nothing
            // restores that index's remaining bytes; uploading them would leave segments that
            // start past offset 0 below the oldest snapshot, which Litestream v0.3.13's restore
            // rejects ("missing initial wal segment"). Continue from the start of `keep`.
            if let position, position.generation == generation, position.index < keep {
                logger.debug(
                    "replica position moved past retention",
                    metadata: ["position": "\(position)", "index": .stringConvertible(keep)])
                setPosition(WALPosition(generation: generation, index: keep, offset: 0))
            }
        }
    }
}
