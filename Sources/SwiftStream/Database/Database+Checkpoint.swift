extension Database {
    /// Checkpoints and, when SQLite restarted the WAL, starts the next shadow index
    /// (replication.md §5.2).
    ///
    /// PASSIVE checkpoints (the common case) hold the write lock from the last copy until after
    /// the checkpoint, so no frame can be committed between them; Litestream releases it there,
    /// and frames committed in that window can be overwritten by the restarted WAL before they
    /// reach the shadow WAL. RESTART and TRUNCATE need the write lock themselves and follow
    /// Litestream exactly.
    func checkpoint(generation: Generation, mode: CheckpointMode, _ handles: Handles) throws {
        // Litestream's checkpoint mutex: a snapshot in progress wins, silently.
        guard snapshotsInProgress == 0 else { return }
        let index = try ShadowWAL.currentIndex(in: shadowWALDirectory(generation)).index
        let shadow = shadowWALPath(generation, index: index)
        let header = try ShadowWAL.readHeader(walPath)

        let passive = mode == .passive
        if passive {
            try preCheckpoint(handles)
            do {
                try handles.writer.execute("BEGIN IMMEDIATE;")
            } catch let error as SQLiteError where error.isBusy {
                logger.debug("checkpoint skipped", metadata: ["reason": "database busy"])
                return
            }
        }
        do {
            // PASSIVE: the write lock is released once the checkpoint ran (before the upsert).
            defer { if passive { try? handles.writer.execute("ROLLBACK;") } }
            do {
                _ = try ShadowWAL.copyFrames(
                    from: walPath, to: shadow, pageSize: handles.pageSize, scratch: handles.scratch)
            } catch {
                throw SwiftStreamError.wrap("cannot copy to end of shadow wal before checkpoint", error)
            }
            // RESTART and TRUNCATE take the write lock themselves, so they run on the writer.
            try execCheckpoint(mode, on: passive ? handles.checkpointer : handles.writer)
        }

        // A write right away, so that SQLite restarts the WAL now if the checkpoint allows it.
        try handles.writer.execute(Database.sequenceUpsert)
        let restarted = try ShadowWAL.readHeader(walPath) != header

        // Take the write lock (BEGIN + insert, always rolled back).
        try handles.writer.execute("BEGIN;")
        defer { try? handles.writer.execute("ROLLBACK;") }
        do {
            try handles.writer.execute("INSERT INTO _litestream_lock (id) VALUES (1);")
        } catch {
            throw SwiftStreamError.wrap("_litestream_lock", error)
        }
        if restarted {
            // Top up the old shadow file with what is left of the old incarnation, start the
            // next index.
            do {
                _ = try ShadowWAL.copyFrames(
                    from: walPath, to: shadow, pageSize: handles.pageSize, scratch: handles.scratch)
            } catch {
                throw SwiftStreamError.wrap("cannot copy to end of shadow wal", error)
            }
            let next = shadowWALPath(generation, index: index + 1)
            do {
                _ = try ShadowWAL.initialize(
                    next, from: walPath, pageSize: handles.pageSize, ownership: handles.ownership,
                    scratch: handles.scratch)
            } catch {
                throw SwiftStreamError.wrap("cannot init shadow wal file: name=\(next)", error)
            }
        }
        // The read lock is taken again here, behind the write lock, so that it sits on a
        // read-mark slot of its own at the end of the WAL: back-fills stop at the mark and the
        // WAL cannot restart under us. Taken on a fully back-filled WAL instead, SQLite would
        // put it on slot 0 ("the database file alone"), which blocks every back-fill, and the
        // application's auto-checkpoint (after each commit once the WAL passes 1000 pages)
        // would sort the whole WAL each time only to give up.
        releaseReadLock()
        try acquireReadLock()
    }

    /// The heavy part of a PASSIVE checkpoint, done without blocking the application: move our
    /// read mark to the current end of the WAL (under a brief write lock, so that no restart can
    /// slip in while the read lock is down), then back-fill up to that mark. SQLite cannot restart
    /// the WAL while our read transaction uses it, so no frame can be lost meanwhile; the final,
    /// short checkpoint under the write lock only has the frames committed since.
    private func preCheckpoint(_ handles: Handles) throws {
        do {
            try handles.writer.execute("BEGIN IMMEDIATE;")
        } catch let error as SQLiteError where error.isBusy {
            return
        }
        do {
            releaseReadLock()
            try acquireReadLock()
            try handles.writer.execute("ROLLBACK;")
        } catch {
            try? handles.writer.execute("ROLLBACK;")
            throw error
        }
        let result = try handles.checkpointer.checkpoint(CheckpointMode.passive.rawValue)
        logger.debug(
            "pre-checkpoint", metadata: ["result": "\(result.busy),\(result.log),\(result.checkpointed)"])
    }

    /// Releases the read lock, runs the pragma, re-acquires the read lock. A busy result is not
    /// an error.
    private func execCheckpoint(_ mode: CheckpointMode, on connection: SQLiteConnection) throws {
        releaseReadLock()
        defer { try? acquireReadLock() }
        let result = try connection.checkpoint(mode.rawValue)
        logger.debug(
            "checkpoint",
            metadata: ["mode": "\(mode.rawValue)", "result": "\(result.busy),\(result.log),\(result.checkpointed)"])
        try acquireReadLock()
    }

    // MARK: - Snapshots (replication.md §8.1)

    /// Takes the checkpoint lock, runs a PASSIVE checkpoint, begins a read transaction and reads
    /// the position, for a snapshot. Balance with `endSnapshot(_:)`.
    func beginSnapshot() throws -> SnapshotLease {
        guard handles != nil, !isClosed, let databaseDescriptor else {
            throw SwiftStreamError(.invalidArgument, "no database available")
        }
        snapshotsInProgress += 1
        var connection: SQLiteConnection?
        do {
            let lease = try idleSnapshotConnections.popLast() ?? openConnection()
            connection = lease
            _ = try lease.checkpoint(CheckpointMode.passive.rawValue)
            try lease.execute("BEGIN; SELECT COUNT(1) FROM _litestream_seq;")
            guard let position = try position() else {
                try? lease.execute("ROLLBACK;")
                throw Database.noGeneration
            }
            return SnapshotLease(connection: lease, position: position, descriptor: databaseDescriptor)
        } catch {
            if let connection { idleSnapshotConnections.append(connection) }
            snapshotsInProgress -= 1
            throw error
        }
    }

    /// Ends the read transaction of a snapshot and releases the checkpoint lock.
    func endSnapshot(_ lease: SnapshotLease) {
        try? lease.connection.execute("ROLLBACK;")
        if !isClosed { idleSnapshotConnections.append(lease.connection) }
        snapshotsInProgress -= 1
    }

    /// Litestream's `ErrNoGeneration`.
    static let noGeneration = SwiftStreamError(.notFound, "no generation available")
}

extension SQLiteError {
    /// SQLITE_BUSY or one of its extended codes.
    var isBusy: Bool { code & 0xFF == 5 }
}
