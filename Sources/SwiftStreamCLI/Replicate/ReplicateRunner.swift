#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import CSystemShims
import Logging
import SwiftStream
import SwiftStreamSystem

/// Runs the replication daemon for `config` until it is told to stop; returns the exit code
/// (replication.md §12, with swiftstream's deliberate changes, see docs/replicate.md).
///
/// 1. Split `execCommand` (go-shellwords rules) before touching any database.
/// 2. Open every database, log `initialized db` and `replicating to` per replica.
/// 3. Start the child, if any, right after the databases are open: in a process group of its
///    own (unless `SWIFTSTREAM_EXEC_SIGNAL=process`), with this process a child subreaper that
///    reaps every orphaned descendant (`OrphanReaper`, when `reapsOrphans`: the executable, not
///    a library run sharing its process), as PID 1 of a container must.
/// 4. SIGINT/SIGTERM: forwarded to the child's process group (or the child alone), every time,
///    while the child runs; without a child they start the shutdown.
/// 5. When the child exits, for any reason, or a signal arrived without a child: stop the
///    monitor loops and close every database, which makes the final sync (bounded by
///    `final-sync-timeout`, default 8 s, 0 = no bound).
/// 6. Exit with the child's exit code (128+N when it died of signal N); without a child 0.
///    A failed final sync makes an otherwise successful run exit 1.
func runReplicate(config: Config, execCommand: String?, logger: Logger, reapsOrphans: Bool) async throws -> Int32 {
    let execArguments = try execCommand.map { command throws -> [String] in
        do {
            return try ShellWords.split(command)
        } catch {
            throw SwiftStreamError(.invalidArgument, "\(error)")
        }
    }
    if let program = execArguments?.first, let problem = lookPathProblem(program) {
        // Before any database is opened: a command that cannot start replicates nothing.
        throw SwiftStreamError(.invalidArgument, "cannot start exec command: \(problem)")
    }
    let signalTarget = try ExecSignalTarget(environmentValue: ProcessEnvironment.current[ExecSignalTarget.variable])
    let settings = try config.validateForReplication()
    limitRetainedHeap()
    logger.info("swiftstream", metadata: ["version": "\(VersionCommand.version)"])
    if settings.isEmpty { logger.error("no databases specified in configuration") }

    // Handlers first, so that a SIGTERM arriving while databases open is not lost.
    let signals = SignalWatcher.start([SIGINT, SIGTERM])
    defer { SignalWatcher.stop() }

    var databases: [Database] = []
    for database in settings {
        let replicas = try engineReplicas(database, logger: logger)
        let instance = Database(path: database.path, settings: database.engine, replicas: replicas, logger: logger)
        do {
            try await instance.open()
        } catch {
            throw SwiftStreamError.wrap("cannot open db \(database.path)", error)
        }
        logger.info("initialized db", metadata: ["path": "\(database.path)"])
        for replica in database.replicas {
            logger.info("replicating to", metadata: replicaLogMetadata(replica))
        }
        databases.append(instance)
    }

    var child: ChildProcess?
    if let execArguments {
        // Process-wide: the reaper takes every exited child that no ChildProcess owns.
        if reapsOrphans {
            do {
                try OrphanReaper.start()
            } catch {
                logger.warning("cannot reap orphaned processes", metadata: ["error": "\(error)"])
            }
        }
        do {
            child = try ChildProcess(execArguments, newProcessGroup: signalTarget == .group)
        } catch {
            throw SwiftStreamError(.io, "cannot start exec command: \(error)")
        }
    }

    let outcome = await supervise(databases: databases, child: child, signals: signals, logger: logger)

    // All databases at once, so that `final-sync-timeout` bounds the whole shutdown (it is one
    // top-level key) instead of once per database.
    let closeFailed = await withTaskGroup(of: Bool.self) { group in
        for database in databases {
            group.addTask {
                do {
                    try await database.close()
                    return false
                } catch {
                    logger.error("error closing db", metadata: ["db": "\(database.path)", "error": "\(error)"])
                    return true
                }
            }
        }
        return await group.contains(true)
    }
    logger.info("swiftstream shut down")
    switch outcome {
    case .childExited(let status):
        if status.shellStyleCode != 0 { return status.shellStyleCode }
        return closeFailed ? 1 : 0
    case .signal:
        return closeFailed ? 1 : 0
    }
}

/// Why the daemon stops.
private enum Outcome: Sendable {
    case childExited(ChildProcess.ExitStatus)
    case signal(Int32)
}

private enum Event: Sendable {
    case stop(Outcome)
    case databaseStopped(String, String?)
}

/// Runs the monitor loops until the child exits or, without a child, a signal arrives; returns
/// with every loop stopped.
private func supervise(
    databases: [Database], child: ChildProcess?, signals: AsyncStream<Int32>, logger: Logger
) async -> Outcome {
    await withTaskGroup(of: Event.self) { group in
        for database in databases {
            group.addTask {
                do {
                    try await database.run()
                    return .databaseStopped(database.path, nil)
                } catch {
                    return .databaseStopped(database.path, "\(error)")
                }
            }
        }
        if let child {
            group.addTask { .stop(.childExited(await child.wait())) }
        }
        group.addTask {
            for await signal in signals {
                guard let child else {
                    logger.info(
                        "signal received, swiftstream shutting down", metadata: ["signal": "\(signalName(signal))"])
                    return .stop(.signal(signal))
                }
                guard child.poll() == nil else { continue }
                logger.info(
                    "sending signal to exec process",
                    metadata: ["signal": "\(signalName(signal))", "pid": .stringConvertible(child.pid)])
                do {
                    try child.send(signal: signal, toProcessGroup: child.leadsProcessGroup)
                } catch {
                    logger.error("cannot signal exec process", metadata: ["error": "\(error)"])
                }
                logger.info("waiting for exec process to close")
            }
            // The stream only ends when the task is cancelled.
            return .stop(.signal(0))
        }
        var outcome: Outcome = .signal(0)
        while let event = await group.next() {
            switch event {
            case .stop(let reason):
                outcome = reason
                if case .childExited(let status) = reason {
                    logger.info(
                        "subprocess exited, swiftstream shutting down", metadata: ["status": "\(status)"])
                }
                group.cancelAll()
                // Drain the remaining tasks (database loops end on cancellation).
                while await group.next() != nil {}
                return outcome
            case .databaseStopped(let path, let error):
                if let error {
                    logger.error("database monitor stopped", metadata: ["db": "\(path)", "error": "\(error)"])
                }
            }
        }
        return outcome
    }
}

/// The replicas of one configured database with their clients, as the engine takes them.
private func engineReplicas(_ database: ResolvedDatabase, logger: Logger) throws -> [(
    name: String, client: any ReplicaClient, settings: ReplicaSettings
)] {
    let modes = Database.replicaFileModes(forDatabaseAt: database.path)
    return try database.replicas.map { replica in
        var settings = replica.engine
        // A drill's restored database is kept for inspection only when asked for: it is a full copy.
        settings.keepsMismatchedValidation = ProcessEnvironment.current["SWIFTSTREAM_KEEP_VALIDATION_MISMATCH"] == "1"
        return (replica.name, try replica.makeClient(fileModes: modes, logger: logger), settings)
    }
}

/// Litestream's `replicating to` attributes; never credentials.
private func replicaLogMetadata(_ replica: ResolvedReplica) -> Logger.Metadata {
    var metadata: Logger.Metadata = [
        "name": "\(replica.name)", "type": "\(replica.type)",
        "sync-interval": .stringConvertible(LoggedDuration(replica.engine.syncInterval)),
    ]
    switch replica.backend {
    case .file(let path):
        metadata["path"] = "\(path)"
    case .s3(let s3):
        metadata["bucket"] = "\(s3.bucket)"
        metadata["path"] = "\(s3.path)"
        metadata["region"] = "\(s3.region)"
        metadata["endpoint"] = "\(s3.endpoint)"
    case .gcs(let gcs):
        metadata["bucket"] = "\(gcs.bucket)"
        metadata["path"] = "\(gcs.path)"
    case .abs(let abs):
        metadata["bucket"] = "\(abs.bucket)"
        metadata["path"] = "\(abs.path)"
        metadata["endpoint"] = "\(abs.endpoint)"
    case .sftp(let sftp):
        metadata["host"] = "\(sftp.host)"
        metadata["user"] = "\(sftp.user)"
        metadata["path"] = "\(sftp.path)"
    }
    return metadata
}

/// A long-running daemon should not keep what it freed. glibc raises its mmap threshold each
/// time a large block is freed, after which buffers of 128 KiB to 32 MiB come from the
/// per-thread arenas and stay resident once freed. A fixed threshold keeps blocks of 256 KiB
/// and more in their own mappings, returned on free. The steady-state buffers are reused
/// (`ScratchBuffer`), so this costs one mapping per uploaded segment. Not for `restore`, whose
/// many short-lived large buffers would each pay the page faults.
private func limitRetainedHeap() {
    _ = swst_set_mmap_threshold(256 << 10)
}

/// Go's `exec.LookPath` check, which Litestream's `-exec` goes through: a program name without
/// a `/` must be an executable file in one of `$PATH`'s directories (an empty entry is the
/// current directory). Nil when it is, or when the name has a `/` (then the spawn itself tells).
func lookPathProblem(_ program: String, path: String? = ProcessEnvironment.current["PATH"]) -> String? {
    if program.contains("/") { return nil }
    let notFound = "exec: \"\(program)\": executable file not found in $PATH"
    if program.isEmpty { return notFound }
    for directory in (path ?? "").split(separator: ":", omittingEmptySubsequences: false) {
        let candidate = (directory.isEmpty ? "." : String(directory)) + "/" + program
        var status = stat()
        if stat(candidate, &status) == 0, status.st_mode & S_IFMT != S_IFDIR, status.st_mode & 0o111 != 0 {
            return nil
        }
    }
    return notFound
}
