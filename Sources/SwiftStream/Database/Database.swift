#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import Logging
import SwiftStreamSystem
import Synchronization
import SystemPackage

/// One SQLite database replicated to a set of replicas (Litestream's `DB`, db.go).
///
/// The actor serialises what Litestream's `db.mu` serialises: lazy initialisation, DB syncs
/// (real WAL → shadow WAL), checkpoints and shadow-WAL cleanup. Every isolated method is
/// synchronous, so no invariant spans a suspension point; the file and SQLite calls they make are
/// short and blocking.
///
/// Lifecycle: `open()` validates and removes stale `*.tmp` files; `run()` runs the monitor loop and
/// the replica loops until its task is cancelled; `close(timeout:)` (after `run()` returned) does
/// the final DB sync and the final upload of every replica, releases the read lock and closes
/// everything.
public actor Database {
    /// The database file path.
    public nonisolated let path: String
    /// The local metadata directory (`.<name>-litestream` next to the database, or `meta-path`).
    public nonisolated let metaPath: String
    public nonisolated let settings: DatabaseSettings
    public nonisolated let replicas: [Replica]
    let logger: Logger

    nonisolated var walPath: String { path + "-wal" }
    nonisolated var generationFilePath: String { metaPath + "/generation" }

    /// SQLite connections and descriptors that exist once the database has been initialised.
    struct Handles {
        /// Holds the long-running read transaction (replication.md §3).
        let reader: SQLiteConnection
        /// Runs the helper-table writes, the write-lock transactions and RESTART/TRUNCATE checkpoints.
        let writer: SQLiteConnection
        /// Runs PASSIVE checkpoints while `writer` holds the write lock.
        let checkpointer: SQLiteConnection
        let pageSize: Int
        let ownership: FileOwnership
        /// The batch buffer of every WAL copy (1 MiB, allocated once per database).
        let scratch = ScratchBuffer(capacity: 1 << 20)
    }

    var handles: Handles?
    var readLockHeld = false
    /// The read-only descriptor on the database file for snapshots; process-wide and never
    /// closed (POSIX locks, replication.md §13).
    var databaseDescriptor: FileDescriptor?
    /// Snapshots in progress; Litestream's checkpoint mutex (checkpoints are skipped while > 0).
    var snapshotsInProgress = 0
    var idleSnapshotConnections: [SQLiteConnection] = []
    var isOpen = false
    /// Held from `open()` to the end of `close(timeout:)`: one replicating process per database.
    private var instanceLock: InstanceLock?
    var isClosed = false
    /// The replicas that were behind when the shadow WAL backlog exceeded
    /// `settings.shadowWALBacklogLimit`; while set, DB syncs copy nothing and the read lock is
    /// released (`suspendForBacklog`, `resumeAfterBacklog`).
    private(set) var backlogSuspension: Set<String>?
    /// Set by `resumeAfterBacklog()`: the next DB sync starts a new generation for this reason.
    private var forcedGenerationReason: String?
    /// Whether `waiting for database file` was logged (once per run, not at every sync).
    private var loggedWaitingForFile = false

    private let changeContinuations: [AsyncStream<Void>.Continuation]
    private let initializedContinuations: [AsyncStream<Void>.Continuation]

    /// Creates a database with its replicas; nothing is touched on disk until `open()`.
    ///
    /// - Parameters:
    ///   - path: the database file.
    ///   - settings: database tunables.
    ///   - replicas: name, client and tunables of each replica (names must be unique).
    ///   - logger: receives every log line; `db` (and `replica`) metadata are added.
    public init(
        path: String, settings: DatabaseSettings = DatabaseSettings(),
        replicas: [(name: String, client: any ReplicaClient, settings: ReplicaSettings)], logger: Logger
    ) {
        self.path = path
        self.settings = settings
        self.metaPath = settings.metaPath ?? Database.defaultMetaPath(for: path)
        var logger = logger
        logger[metadataKey: "db"] = "\(path)"
        self.logger = logger
        var changes: [AsyncStream<Void>.Continuation] = []
        var initialized: [AsyncStream<Void>.Continuation] = []
        var made: [Replica] = []
        for replica in replicas {
            let (changeStream, changeContinuation) = AsyncStream.makeStream(
                of: Void.self, bufferingPolicy: .bufferingNewest(1))
            let (initStream, initContinuation) = AsyncStream.makeStream(
                of: Void.self, bufferingPolicy: .bufferingNewest(1))
            changes.append(changeContinuation)
            initialized.append(initContinuation)
            made.append(
                Replica(
                    name: replica.name, client: replica.client, settings: replica.settings, logger: logger,
                    changes: changeStream, initialized: initStream))
        }
        self.replicas = made
        self.changeContinuations = changes
        self.initializedContinuations = initialized
    }

    /// `<dir>/.<name>-litestream` (replica-format.md §10).
    public static func defaultMetaPath(for path: String) -> String {
        let dir = Path.dirname(path)
        let name = "." + Path.basename(path) + "-litestream"
        return path.contains("/") ? dir + "/" + name : name
    }

    /// The modes Litestream gives replica files and directories for the database at `path`: the
    /// database file's mode and its parent directory's (0600 / 0700 when they cannot be read),
    /// for `FileReplicaClient(root:fileMode:directoryMode:)`.
    public static func replicaFileModes(forDatabaseAt path: String) -> (file: mode_t, directory: mode_t) {
        let file = (try? FileIO.fileStatus(path))?.map { $0.st_mode & 0o7777 } ?? 0o600
        let directory = (try? FileIO.fileStatus(Path.dirname(path)))?.map { $0.st_mode & 0o7777 } ?? 0o700
        return (file, directory)
    }

    nonisolated func generationDirectory(_ generation: Generation) -> String {
        metaPath + "/generations/" + generation.id
    }

    nonisolated func shadowWALDirectory(_ generation: Generation) -> String {
        generationDirectory(generation) + "/wal"
    }

    /// `generations/<gen>/wal/<index %08x>.wal` in the meta directory.
    nonisolated func shadowWALPath(_ generation: Generation, index: Int) -> String {
        shadowWALDirectory(generation) + "/" + ShadowWAL.fileName(index: index)
    }

    // MARK: - Lifecycle

    /// Validates the settings and deletes leftover `*.tmp` files below the meta directory
    /// (replication.md §2.1).
    public func open() throws {
        try settings.validate()
        var names = Set<String>()
        for replica in replicas {
            guard names.insert(replica.name).inserted else {
                throw SwiftStreamError(.invalidConfiguration, "duplicate replica name: \"\(replica.name)\"")
            }
            try replica.settings.validate()
        }
        // Before anything in the meta directory is touched: another process may be using it.
        instanceLock = try InstanceLock(
            metaPath: metaPath, databasePath: path,
            directoryMode: Database.replicaFileModes(forDatabaseAt: path).directory)
        do {
            try ShadowWAL.removeTemporaryFiles(under: metaPath)
        } catch {
            throw SwiftStreamError.wrap("cannot remove tmp files", error)
        }
        isOpen = true
    }

    /// Runs the monitor loop (a DB sync every `monitorInterval`) and, once the database is
    /// initialised, the loops of every replica, until the calling task is cancelled.
    public func run() async throws {
        guard isOpen, !isClosed else {
            throw SwiftStreamError(.invalidArgument, "database \(path) must be opened before it runs")
        }
        let interval = settings.monitorInterval
        await withTaskGroup(of: Void.self) { group in
            if interval > .zero {
                group.addTask { await self.monitor(interval: interval) }
            }
            for replica in replicas {
                group.addTask { await replica.run(database: self) }
            }
        }
    }

    private func monitor(interval: Duration) async {
        await repeatEvery(interval) { syncAndLog() }
    }

    private func syncAndLog() {
        do {
            try sync()
        } catch {
            logger.error("sync error", metadata: ["error": "\(error)"])
        }
    }

    /// Final DB sync, final upload of every replica (bounded by `timeout`, default
    /// `settings.finalSyncTimeout`; zero or less means no bound), then releases the read lock and closes every connection and
    /// descriptor (replication.md §11). Call it after `run()` has returned.
    ///
    /// What the time bound leaves unuploaded stays in the shadow WAL and is uploaded at the next
    /// start, which continues the same meta directory. Throws the first error met (the database is
    /// closed anyway), including when the final upload did not finish in time.
    public func close(timeout: Duration? = nil) async throws {
        guard !isClosed else { return }
        var firstError: (any Error)?
        // Unlike Litestream, the final sync also runs when the monitor loop never initialised
        // the database (e.g. an -exec child that wrote and exited within the first interval):
        // sync() initialises it if the file exists.
        do {
            do {
                try sync()
            } catch {
                logger.error("sync error", metadata: ["error": "\(error)"])
                firstError = error
            }
        }
        for continuation in changeContinuations { continuation.finish() }
        for continuation in initializedContinuations { continuation.finish() }

        if handles != nil, !replicas.isEmpty {
            let limit = timeout ?? settings.finalSyncTimeout
            let replicas = self.replicas
            let outcome = await withTaskGroup(of: FinalSyncOutcome.self) { group -> FinalSyncOutcome in
                group.addTask {
                    // Every replica at once: the bound is for the whole shutdown, not per replica.
                    let errors = await withTaskGroup(of: String?.self) { uploads in
                        for replica in replicas {
                            uploads.addTask { await replica.finalSync(database: self).map { "\($0)" } }
                        }
                        return await uploads.reduce(into: [String]()) { if let error = $1 { $0.append(error) } }
                    }
                    return Task.isCancelled ? .timedOut : (errors.isEmpty ? .completed : .failed(errors))
                }
                if limit > .zero {
                    group.addTask {
                        try? await Task.sleep(for: limit)
                        return .timedOut
                    }
                }
                let first = await group.next() ?? .timedOut
                group.cancelAll()
                return first
            }
            switch outcome {
            case .completed:
                break
            case .failed(let errors):
                firstError = firstError ?? SwiftStreamError(.io, "final sync failed: " + errors.joined(separator: "; "))
            case .timedOut:
                let target = try? position()
                var missing: [String] = []
                for replica in replicas {
                    let reached = await replica.currentPosition
                    if let reached, reached == target { continue }
                    let pending = target.map { pendingUpload(from: reached, to: $0) }
                    missing.append(
                        "\(replica.name): \(pending?.transactions ?? 0) transactions (\(pending?.bytes ?? 0) bytes)")
                    logger.warning(
                        "final sync incomplete",
                        metadata: [
                            "replica": "\(replica.name)", "position": "\(reached?.description ?? "")",
                            "target": "\(target?.description ?? "")",
                            "transactions": .stringConvertible(pending?.transactions ?? 0),
                            "bytes": .stringConvertible(pending?.bytes ?? 0),
                        ])
                }
                firstError =
                    firstError
                    ?? SwiftStreamError(
                        .io,
                        "final sync incomplete after \(limit.goDescription), not uploaded: "
                            + missing.joined(separator: ", ")
                            + "; they stay in the local shadow WAL, uploaded at the next start only if this disk survives"
                    )
            }
        }

        isClosed = true
        releaseReadLock()
        handles = nil
        idleSnapshotConnections.removeAll()
        databaseDescriptor = nil  // never closed: see DatabaseFileDescriptor
        instanceLock = nil
        if let firstError { throw firstError }
    }

    /// What the shadow WAL holds between `reached` (a replica's position; nil or another
    /// generation: from the start of the current generation's oldest shadow file) and `target`:
    /// committed transactions (commit frames) and bytes.
    private func pendingUpload(from reached: WALPosition?, to target: WALPosition) -> (transactions: Int, bytes: Int) {
        guard let pageSize = handles?.pageSize else { return (0, 0) }
        var start = reached?.generation == target.generation ? reached : nil
        if start == nil {
            let indices =
                (try? FileIO.listDirectory(shadowWALDirectory(target.generation)))?
                .compactMap { ShadowWAL.parseFileName($0.name) } ?? []
            start = WALPosition(generation: target.generation, index: indices.min() ?? target.index, offset: 0)
        }
        guard let start, start <= target else { return (0, 0) }
        var transactions = 0
        var bytes = 0
        for index in start.index...target.index {
            let path = shadowWALPath(target.generation, index: index)
            let from = index == start.index ? start.offset : 0
            let end: Int
            if index == target.index {
                end = target.offset
            } else {
                end = ((try? ShadowWAL.alignedSize(path, pageSize: pageSize)) ?? nil) ?? 0
            }
            bytes += max(0, end - from)
            try? FileDescriptor.withOpened(path) { descriptor in
                try ShadowWAL.forEachFrame(of: descriptor, path: path, from: from, to: end, pageSize: pageSize) {
                    _, commit, _ in
                    if commit != 0 { transactions += 1 }
                }
            }
        }
        return (transactions, bytes)
    }

    private enum FinalSyncOutcome: Sendable {
        case completed
        case failed([String])
        case timedOut
    }

    // MARK: - Initialisation (replication.md §2.2)

    /// Opens one of our connections the way Litestream's connect hook does: the `-wal` file must
    /// survive the close of our last connection (PERSIST_WAL), busy timeout, no autocheckpoint.
    func openConnection() throws -> SQLiteConnection {
        let connection = try SQLiteConnection(path: path)
        try connection.setPersistWAL(true)
        connection.setBusyTimeout(milliseconds: Int32(clamping: settings.busyTimeout.nanoseconds / 1_000_000))
        try connection.execute("PRAGMA wal_autocheckpoint = 0;")
        // Our connections read a page or two per sync (the read lock, helper tables); the file
        // copies go around SQLite. A 256 KiB page cache instead of the default 2 MiB keeps each
        // of them small.
        try connection.execute("PRAGMA cache_size = -256;")
        return connection
    }

    /// Initialises once the database file exists; false while it does not.
    private func initializeIfNeeded() throws -> Bool {
        if handles != nil { return true }
        guard let fileStatus = try FileIO.fileStatus(path) else { return false }
        guard let directoryStatus = try FileIO.fileStatus(Path.dirname(path)) else {
            throw SystemError("stat", Path.dirname(path), errno: ENOENT)
        }
        let ownership = FileOwnership(file: fileStatus, directory: directoryStatus)
        let writer = try openConnection()
        do {
            databaseDescriptor = try DatabaseFileDescriptor.descriptor(for: path)
        } catch {
            throw SwiftStreamError.wrap("open db file descriptor", error)
        }
        let mode = try writer.scalarText("PRAGMA journal_mode = wal;")
        guard mode == "wal" else {
            throw SwiftStreamError(.sqlite, "enable wal failed, mode=\"\(mode)\"")
        }
        try writer.execute("CREATE TABLE IF NOT EXISTS _litestream_seq (id INTEGER PRIMARY KEY, seq INTEGER);")
        try writer.execute("CREATE TABLE IF NOT EXISTS _litestream_lock (id INTEGER);")
        let reader = try openConnection()
        let checkpointer = try openConnection()
        try reader.execute("BEGIN; SELECT COUNT(1) FROM _litestream_seq;")
        var ok = false
        defer { if !ok { try? reader.execute("ROLLBACK;") } }

        let pageSize = Int(try writer.scalarInt("PRAGMA page_size;"))
        guard pageSize > 0 else { throw SwiftStreamError(.corrupt, "invalid db page size: \(pageSize)") }
        try ownership.makeDirectories(metaPath)

        if let problem = try headerMismatch(pageSize: pageSize) {
            logger.warning(
                "init: cannot determine last wal position, clearing generation", metadata: ["error": "\(problem)"])
            try FileIO.remove(generationFilePath)
        }
        handles = Handles(
            reader: reader, writer: writer, checkpointer: checkpointer, pageSize: pageSize, ownership: ownership)
        readLockHeld = true
        ok = true
        do {
            try clean()
        } catch {
            releaseReadLock()
            handles = nil
            throw SwiftStreamError.wrap("clean", error)
        }
        for continuation in initializedContinuations { continuation.yield() }
        return true
    }

    /// Why the real WAL header does not continue the current generation's last shadow WAL
    /// (nil when it does, or when there is no generation). Throws when the `generation` file
    /// cannot be read: that is no mismatch, and clearing the generation would force a snapshot.
    private func headerMismatch(pageSize: Int) throws -> String? {
        guard let generation = try currentGeneration() else { return nil }
        do {
            let index = try ShadowWAL.currentIndex(in: shadowWALDirectory(generation)).index
            let shadow = shadowWALPath(generation, index: index)
            guard FileIO.exists(walPath) else { return "no primary wal" }
            let real = try ShadowWAL.readHeader(walPath)
            guard FileIO.exists(shadow) else { return "no shadow wal" }
            let copy = try ShadowWAL.readHeader(shadow)
            if real != copy { return "wal header mismatch on \(shadow)" }
            return nil
        } catch {
            return "\(error)"
        }
    }

    // MARK: - Read lock (replication.md §3)

    func acquireReadLock() throws {
        guard let handles, !readLockHeld else { return }
        try handles.reader.execute("BEGIN; SELECT COUNT(1) FROM _litestream_seq;")
        readLockHeld = true
    }

    func releaseReadLock() {
        guard let handles, readLockHeld else { return }
        try? handles.reader.execute("ROLLBACK;")
        readLockHeld = false
    }

    // MARK: - Generations and positions

    /// The current generation from the `generation` file: nil when the file is missing (ENOENT)
    /// or malformed, as in Litestream. Any other read error (EACCES, EISDIR, EIO, EMFILE…) is
    /// thrown with the file's path: taking it for "no generation" would start a new generation
    /// and re-snapshot the whole database because of a transient error.
    func currentGeneration() throws -> Generation? {
        let bytes: [UInt8]
        do {
            bytes = try FileIO.readAll(generationFilePath)
        } catch let error as SystemError where error.isNotFound {
            return nil
        } catch {
            // A SystemError names the path: "read generation file: read <meta>/generation: …".
            throw SwiftStreamError.wrap("read generation file", error)
        }
        let text = String(decoding: bytes, as: UTF8.self).trimmingWhitespace()
        guard text.utf8.count == 16 else { return nil }
        return Generation(text)
    }

    /// The database position: current generation, highest shadow index and the frame-aligned
    /// size of that shadow file; nil before initialisation or without a generation.
    public func position() throws -> WALPosition? {
        guard let handles, let generation = try currentGeneration() else { return nil }
        let index = try ShadowWAL.currentIndex(in: shadowWALDirectory(generation)).index
        let size = try ShadowWAL.alignedSize(shadowWALPath(generation, index: index), pageSize: handles.pageSize)
        return WALPosition(generation: generation, index: index, offset: size ?? 0)
    }

    /// The database position and page size, for a replica's upload round.
    func shadowState() throws -> (position: WALPosition, pageSize: Int)? {
        guard let handles, let position = try position() else { return nil }
        return (position, handles.pageSize)
    }

    /// The page size once initialised.
    public var pageSize: Int? { handles?.pageSize }

    private func createGeneration(_ handles: Handles) throws -> Generation {
        let generation = Generation.random()
        try handles.ownership.makeDirectories(generationDirectory(generation))
        do {
            _ = try ShadowWAL.initialize(
                shadowWALPath(generation, index: 0), from: walPath, pageSize: handles.pageSize,
                ownership: handles.ownership, scratch: handles.scratch)
        } catch {
            throw SwiftStreamError.wrap("initialize shadow wal", error)
        }
        let temp = generationFilePath + ".tmp"
        try handles.ownership.writeFile(temp, Array((generation.id + "\n").utf8))
        try FileIO.rename(temp, generationFilePath)
        FileIO.fsyncDirectory(metaPath)
        try clean()
        return generation
    }

    /// Creates a new generation and logs why.
    private func startGeneration(_ handles: Handles, reason: String) throws -> Generation {
        let generation: Generation
        do {
            generation = try createGeneration(handles)
        } catch {
            throw SwiftStreamError.wrap("create generation", error)
        }
        logger.info("sync: new generation", metadata: ["generation": "\(generation)", "reason": "\(reason)"])
        return generation
    }

    /// Starts a new generation outside a DB sync, for a replica whose objects cannot be
    /// continued; every replica then snapshots into it at its next round.
    func startGeneration(reason: String) throws {
        guard let handles, !isClosed else { throw SwiftStreamError(.invalidArgument, "no database available") }
        _ = try startGeneration(handles, reason: reason)
        for continuation in changeContinuations { continuation.yield() }
    }

    // MARK: - Sync (replication.md §4)

    /// The outcome of verifying the shadow WAL against the real WAL.
    struct SyncInfo {
        var generation: Generation?
        var databaseModified = Timestamp(nanoseconds: 0)
        var walSize = 0
        var shadowPath = ""
        var shadowIndex = 0
        var shadowSize = 0
        var restart = false
        var reason: String?
    }

    /// One DB sync: lazy init, WAL header, verify, copy, checkpoint, cleanup, notify.
    public func sync() throws {
        guard try initializeIfNeeded(), let handles else {
            if !loggedWaitingForFile {
                logger.info("waiting for database file")
                loggedWaitingForFile = true
            }
            logger.debug("sync: no database found")
            return
        }
        if backlogSuspension != nil {
            logger.debug("sync: suspended, shadow wal backlog limit exceeded")
            return
        }
        try acquireReadLock()
        do {
            try ensureWALExists(handles)
        } catch {
            throw SwiftStreamError.wrap("ensure wal exists", error)
        }
        var info: SyncInfo
        do {
            info = try verify(handles)
        } catch {
            throw SwiftStreamError.wrap("cannot verify wal state", error)
        }
        var changed = info.walSize != info.shadowSize || info.restart || info.reason != nil

        if let reason = info.reason {
            let generation = try startGeneration(handles, reason: reason)
            forcedGenerationReason = nil
            info.generation = generation
            info.shadowIndex = 0
            info.shadowPath = shadowWALPath(generation, index: 0)
            info.shadowSize = WAL.headerSize
            info.restart = false
            info.reason = nil
        }
        guard let generation = info.generation else { return }

        let copy: ShadowWAL.CopyResult
        do {
            copy = try syncWAL(info, handles)
        } catch {
            throw SwiftStreamError.wrap("sync wal", error)
        }

        let pageSize = handles.pageSize
        func frames(_ n: Int) -> Int { WAL.headerSize + n * (WAL.frameHeaderSize + pageSize) }
        var mode: CheckpointMode?
        if settings.truncatePageCount > 0 && copy.originalSize >= frames(settings.truncatePageCount) {
            mode = .truncate
        } else if settings.maxCheckpointPageCount > 0 && copy.newSize >= frames(settings.maxCheckpointPageCount) {
            mode = .restart
        } else if copy.newSize >= frames(settings.minCheckpointPageCount) {
            mode = .passive
        } else if settings.checkpointInterval > .zero, info.databaseModified.nanoseconds != 0,
            Timestamp.now().nanoseconds - info.databaseModified.nanoseconds > settings.checkpointInterval.nanoseconds,
            copy.newSize > frames(1)
        {
            mode = .passive
        }
        if let mode {
            changed = true
            do {
                try checkpoint(generation: generation, mode: mode, handles)
            } catch {
                throw SwiftStreamError.wrap("checkpoint: mode=\(mode.rawValue)", error)
            }
        }

        do {
            try clean()
        } catch {
            throw SwiftStreamError.wrap("cannot clean", error)
        }
        try suspendIfBacklogExceeded(generation)
        if changed {
            for continuation in changeContinuations { continuation.yield() }
        }
        logger.trace("sync: ok")
    }

    /// Makes sure the real WAL has a header: a write to `_litestream_seq` creates one.
    private func ensureWALExists(_ handles: Handles) throws {
        if let status = try FileIO.fileStatus(walPath), status.st_size >= WAL.headerSize { return }
        try handles.writer.execute(Database.sequenceUpsert)
    }

    static let sequenceUpsert =
        "INSERT INTO _litestream_seq (id, seq) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET seq = seq + 1;"

    /// Compares the shadow WAL with the real WAL (the table of replication.md §4 step 3).
    private func verify(_ handles: Handles) throws -> SyncInfo {
        var info = SyncInfo()
        if let reason = forcedGenerationReason {
            info.reason = reason
            return info
        }
        guard let generation = try currentGeneration() else {
            info.reason = "no generation exists"
            return info
        }
        info.generation = generation
        guard let databaseStatus = try FileIO.fileStatus(path) else { throw SystemError("stat", path, errno: ENOENT) }
        info.databaseModified = Timestamp(databaseStatus.st_mtim)
        guard let walStatus = try FileIO.fileStatus(walPath) else { throw SystemError("stat", walPath, errno: ENOENT) }
        let pageSize = handles.pageSize
        info.walSize = WAL.alignedSize(Int(walStatus.st_size), pageSize: pageSize)

        let index = try ShadowWAL.currentIndex(in: shadowWALDirectory(generation)).index
        if index >= Database.maxIndex {
            info.reason = "max index exceeded"
            return info
        }
        info.shadowIndex = index
        info.shadowPath = shadowWALPath(generation, index: index)
        guard let shadowSize = try ShadowWAL.alignedSize(info.shadowPath, pageSize: pageSize) else {
            info.reason = "no shadow wal"
            return info
        }
        info.shadowSize = shadowSize
        if shadowSize < WAL.headerSize {
            info.reason = "short shadow wal"
            return info
        }
        if shadowSize > info.walSize {
            info.reason = "wal truncated by another process"
            return info
        }
        let realHeader = try ShadowWAL.readHeader(walPath)
        let shadowHeader = try ShadowWAL.readHeader(info.shadowPath)
        info.restart = realHeader != shadowHeader
        if shadowSize == WAL.headerSize && info.restart {
            info.reason = "wal header only, mismatched"
            return info
        }
        if shadowSize > WAL.headerSize {
            let frameSize = WAL.frameHeaderSize + pageSize
            let offset = shadowSize - frameSize
            let real = try ShadowWAL.readAt(walPath, offset: offset, count: frameSize)
            let copy = try ShadowWAL.readAt(info.shadowPath, offset: offset, count: frameSize)
            if real != copy {
                info.reason = "wal overwritten by another process"
                return info
            }
        }
        return info
    }

    /// Copies new frames into the current shadow file and, when the real WAL restarted, starts
    /// the next index.
    private func syncWAL(_ info: SyncInfo, _ handles: Handles) throws -> ShadowWAL.CopyResult {
        var result = try ShadowWAL.copyFrames(
            from: walPath, to: info.shadowPath, pageSize: handles.pageSize, scratch: handles.scratch)
        guard info.restart, let generation = info.generation else { return result }
        let next = shadowWALPath(generation, index: info.shadowIndex + 1)
        do {
            result.newSize = try ShadowWAL.initialize(
                next, from: walPath, pageSize: handles.pageSize, ownership: handles.ownership,
                scratch: handles.scratch)
        } catch {
            throw SwiftStreamError.wrap("cannot init shadow wal file: name=\(next)", error)
        }
        return result
    }

    // MARK: - Shadow WAL backlog limit

    /// Suspends DB syncs when some replica has more than `settings.shadowWALBacklogLimit` bytes
    /// of `generation`'s shadow WAL left to upload (ERROR once per suspension).
    private func suspendIfBacklogExceeded(_ generation: Generation) throws {
        let limit = settings.shadowWALBacklogLimit
        guard limit > 0, !replicas.isEmpty else { return }
        let directory = shadowWALDirectory(generation)
        var files: [(index: Int, size: Int)] = []
        for entry in try FileIO.listDirectory(directory) {
            guard let index = ShadowWAL.parseFileName(entry.name),
                let status = try FileIO.fileStatus(directory + "/" + entry.name)
            else { continue }
            files.append((index, Int(status.st_size)))
        }
        var behind: [String] = []
        var largest = 0
        for replica in replicas {
            let reached = replica.positionBox.load()
            // Bytes after the replica's position; all of them without one in this generation.
            let backlog = files.reduce(0) { total, file in
                guard let reached, reached.generation == generation else { return total + file.size }
                if file.index < reached.index { return total }
                return total + (file.index == reached.index ? max(0, file.size - reached.offset) : file.size)
            }
            largest = max(largest, backlog)
            if backlog > limit { behind.append(replica.name) }
        }
        guard !behind.isEmpty else { return }
        logger.error(
            "shadow wal backlog limit exceeded, releasing the wal; a new generation starts when the replica uploads again",
            metadata: [
                "replicas": "\(behind.joined(separator: ","))", "bytes": .stringConvertible(largest),
                "limit": .stringConvertible(limit),
            ])
        backlogSuspension = Set(behind)
        releaseReadLock()
    }

    /// Whether DB syncs are suspended by the backlog limit with `replica` among those behind.
    func isSuspendedForBacklog(replica: String) -> Bool {
        backlogSuspension?.contains(replica) ?? false
    }

    /// Ends a backlog suspension (a replica that was behind uploaded again): what the
    /// application wrote meanwhile never reached the shadow WAL, so a DB sync starts a new
    /// generation right away.
    func resumeAfterBacklog() throws {
        guard backlogSuspension != nil else { return }
        backlogSuspension = nil
        forcedGenerationReason = "shadow wal backlog limit exceeded"
        try sync()
    }

    /// Largest shadow index before a new generation is forced.
    static let maxIndex = 0x7FFF_FFFF

    // MARK: - Cleanup (replica-format.md §10)

    /// Deletes other generations and shadow files every replica has moved past (keeping one).
    private func clean() throws {
        let current = try currentGeneration()
        let generationsDirectory = metaPath + "/generations"
        for entry in try FileIO.listDirectory(generationsDirectory) where entry.name != current?.id {
            try FileIO.removeTree(generationsDirectory + "/" + entry.name)
        }
        guard let current, !replicas.isEmpty else { return }
        var lowest = Int.max
        for replica in replicas {
            let reached = replica.positionBox.load()
            lowest = min(lowest, reached?.generation == current ? reached?.index ?? 0 : 0)
        }
        guard lowest > 0 else { return }
        let keepFrom = lowest - 1
        let directory = shadowWALDirectory(current)
        for entry in try FileIO.listDirectory(directory) {
            guard let index = ShadowWAL.parseFileName(entry.name), index < keepFrom else { continue }
            try FileIO.remove(directory + "/" + entry.name)
        }
    }
}
