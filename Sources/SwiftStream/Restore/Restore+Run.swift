import Logging

extension Restore {
    /// Chooses the replica and generation to restore (restore.md §3): per replica the generation
    /// with the latest object time (restricted to `generation` and to generations whose time range
    /// contains `timestamp`), then across replicas the strictly latest one (ties: config order).
    /// Returns nil when nothing matches. Listing errors abort, as in Litestream.
    public static func chooseTarget(
        replicas: [NamedReplica], generation: Generation?, timestamp: Timestamp?
    ) async throws -> RestoreTarget? {
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
                if let timestamp, timestamp < bounds.created || bounds.updated < timestamp { continue }
                if local == nil || local.map({ $0.updatedAt < bounds.updated }) == true {
                    local = RestoreTarget(replica: replica, generation: g, updatedAt: bounds.updated)
                }
            }
            if let local, best == nil || best.map({ $0.updatedAt < local.updatedAt }) == true {
                best = local
            }
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

        let temp = output + ".tmp"
        try FileIO.makeDirectories(Path.dirname(output), mode: 0o700)
        let fd = try FileIO.open(temp, O_RDWR | O_CREAT | O_TRUNC, mode: 0o600)
        do {
            fchmod(fd, 0o600)
            logger.info(
                "restoring snapshot",
                metadata: ["generation": "\(plan.generation)", "index": "\(plan.snapshot.index)", "path": "\(temp)"])
            let client = target.replica.client
            if plan.segments.isEmpty {
                _ = try await restoreSnapshot(
                    plan: plan, client: client, fd: fd, path: temp, options: options, overlay: nil, writeback: true)
                logger.info("snapshot only, finalizing database")
            } else {
                logger.info(
                    "restoring wal files",
                    metadata: [
                        "generation": "\(plan.generation)", "index_min": "\(plan.snapshot.index)",
                        "index_max": "\(plan.maxIndex)",
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
            try FileIO.fsync(fd, path: temp)
            options.progress?(
                plan.progress(bytesDone: plan.snapshot.size + plan.walStoredBytes, segmentsDone: plan.segments.count))
            close(fd)
            try FileIO.rename(temp, output)
            FileIO.fsyncDirectory(Path.dirname(output))
        } catch {
            close(fd)
            try? FileIO.remove(temp)
            throw error
        }
    }

    /// Streams the snapshot into `fd` from offset 0; with `overlay`, its pages replace the
    /// snapshot's as they pass. Returns the number of snapshot bytes (decompressed).
    private static func restoreSnapshot(
        plan: RestorePlan, client: any ReplicaClient, fd: Int32, path: String, options: RestoreOptions,
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
                            try FileIO.writeAll(fd, UnsafeRawBufferPointer(rebasing: $0[0..<limit]), path: path)
                        }
                    } else {
                        try FileIO.writeAll(fd, bytes, path: path)
                    }
                    written += bytes.count
                    if writeback && written - flushed >= 8 << 20 {
                        FileIO.startWriteback(fd, offset: flushed, count: written - flushed)
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
        snapshotFirst: (fd: Int32, path: String)?
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
                            let data = try LZ4Frame.decompress(compressed)
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
                                "generation": "\(plan.generation)", "index": "\(segment.index)",
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

/// Everything a restore needs, decided before the output file is created (restore.md §4.3-4.7).
struct RestorePlan: Sendable {
    var generation: Generation
    var snapshot: SnapshotInfo
    /// Segments of indices snapshot.index...maxIndex, in (index, offset) order.
    var segments: [WALSegmentInfo]
    var maxIndex: Int

    /// Stored (compressed) bytes of all segments to apply.
    var walStoredBytes: Int64 { segments.reduce(0) { $0 + $1.size } }

    func progress(bytesDone: Int64, segmentsDone: Int) -> RestoreProgress {
        RestoreProgress(
            bytesDone: bytesDone, bytesTotal: snapshot.size + walStoredBytes,
            segmentsDone: segmentsDone, segmentsTotal: segments.count)
    }

    static func make(target: RestoreTarget, options: RestoreOptions) async throws -> RestorePlan {
        let client = target.replica.client
        let generation = target.generation
        let snapshots = try await client.snapshots(in: generation)
        let snapshot: SnapshotInfo
        if let index = options.index {
            guard let found = snapshots.last(where: { $0.index <= index }) else {
                throw SwiftStreamError(.notFound, "cannot find snapshot index: no snapshots available")
            }
            snapshot = found
        } else {
            var found: SnapshotInfo?
            for s in snapshots {
                if let t = options.timestamp, t < s.createdAt { continue }
                if found == nil || found.map({ $0.createdAt < s.createdAt }) == true { found = s }
            }
            guard let found else {
                throw SwiftStreamError(.notFound, "cannot find snapshot index by timestamp: no snapshots available")
            }
            snapshot = found
        }

        // The WAL segment map, as Litestream builds it: listing order, stopping at the first
        // segment newer than the timestamp or beyond the index.
        var used: [WALSegmentInfo] = []
        var lastOffset: [Int: Int] = [:]
        var maxIndex = -1
        for segment in try await client.walSegments(in: generation) {
            if let t = options.timestamp, t < segment.createdAt { break }
            if let index = options.index, segment.index > index { break }
            // Indices below the snapshot are never read; unlike v0.3.13 we do not fail on them.
            if segment.index < snapshot.index { continue }
            if let previous = lastOffset[segment.index] {
                guard segment.offset > previous else {
                    throw SwiftStreamError(
                        .corrupt,
                        "cannot find max wal index for restore: wal segments out of order: generation=\(generation) index=\(Hex.format8(segment.index)) offsets=(\(previous),\(segment.offset))"
                    )
                }
            } else if segment.offset != 0 {
                throw SwiftStreamError(
                    .corrupt,
                    "cannot find max wal index for restore: missing initial wal segment: generation=\(generation) index=\(Hex.format8(segment.index)) offset=\(segment.offset)"
                )
            }
            lastOffset[segment.index] = segment.offset
            maxIndex = max(maxIndex, segment.index)
            used.append(segment)
        }
        if maxIndex >= snapshot.index {
            for index in snapshot.index...maxIndex where lastOffset[index] == nil {
                throw SwiftStreamError(.corrupt, "missing WAL index: \(generation)/\(Hex.format8(index))")
            }
        }
        return RestorePlan(generation: generation, snapshot: snapshot, segments: used, maxIndex: maxIndex)
    }
}

/// Where committed WAL pages go: the restored file itself, or an in-memory overlay.
protocol PageSink {
    /// Stores the image of page `page` (1-based).
    mutating func write(page: UInt32, _ data: UnsafeRawBufferPointer, pageSize: Int) throws
    /// Sets the database size to `pages` pages (SQLite truncates the file after a checkpoint).
    mutating func truncate(pages: Int, pageSize: Int) throws
}

/// Writes pages into the file and truncates it, exactly as a checkpoint would.
struct FilePageSink: PageSink {
    let fd: Int32
    let path: String

    func write(page: UInt32, _ data: UnsafeRawBufferPointer, pageSize: Int) throws {
        try FileIO.pwriteAll(fd, data, at: Int(page - 1) * pageSize, path: path)
    }

    func truncate(pages: Int, pageSize: Int) throws {
        if ftruncate(fd, off_t(pages * pageSize)) != 0 { throw SystemError("truncate", path, errno: errno) }
    }
}

/// The net effect of all WAL indices on the snapshot, kept in memory: the final image of every
/// page the WAL wrote, and the truncations in between. Applying it while the snapshot streams
/// writes each page of the output once.
struct PageOverlay: PageSink {
    private(set) var pageSize = 0
    private(set) var pages: [UInt32: [UInt8]] = [:]
    /// Smallest size (pages) any index truncated to: snapshot pages above it are gone (zeros
    /// unless the WAL wrote them again).
    private(set) var smallestSize: Int?
    /// Size (pages) after the last index with a commit.
    private(set) var finalSize: Int?
    private var highestPage: UInt32 = 0

    mutating func write(page: UInt32, _ data: UnsafeRawBufferPointer, pageSize: Int) throws {
        self.pageSize = pageSize
        pages[page] = Array(data)
        highestPage = max(highestPage, page)
    }

    mutating func truncate(pages count: Int, pageSize: Int) throws {
        self.pageSize = pageSize
        if Int(highestPage) > count {
            pages = pages.filter { Int($0.key) <= count }
            highestPage = pages.keys.max() ?? 0
        }
        smallestSize = min(smallestSize ?? count, count)
        finalSize = count
    }

    /// Whether bytes `[offset, offset+count)` of the snapshot need changes.
    func touches(offset: Int, count: Int) -> Bool {
        guard pageSize > 0 else { return false }
        if let smallestSize, offset + count > smallestSize * pageSize { return true }
        let first = offset / pageSize + 1
        let last = (offset + count - 1) / pageSize + 1
        if last - first + 1 < pages.count {
            return (first...last).contains { pages[UInt32($0)] != nil }
        }
        return pages.keys.contains { Int($0) >= first && Int($0) <= last }
    }

    /// Rewrites snapshot bytes `buffer` (at file offset `offset`) with the overlay; returns how
    /// many leading bytes belong in the output (bytes past the final size are dropped).
    func merge(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        let end = offset + buffer.count
        var limit = buffer.count
        if let finalSize { limit = max(0, min(buffer.count, finalSize * pageSize - offset)) }
        var page = offset / pageSize + 1
        while (page - 1) * pageSize < end {
            let pageStart = (page - 1) * pageSize
            let from = max(pageStart, offset)
            let to = min(pageStart + pageSize, end)
            if let image = pages[UInt32(page)] {
                image.withUnsafeBytes { source in
                    let dst = buffer.baseAddress! + (from - offset)
                    dst.copyMemory(from: source.baseAddress! + (from - pageStart), byteCount: to - from)
                }
            } else if let smallestSize, page > smallestSize {
                (buffer.baseAddress! + (from - offset)).initializeMemory(as: UInt8.self, repeating: 0, count: to - from)
            }
            page += 1
        }
        return limit
    }

    /// After the snapshot: writes pages beyond its end and sets the final size.
    func finish(fd: Int32, path: String, snapshotLength: Int) throws {
        guard pageSize > 0 else { return }
        for (page, image) in pages.sorted(by: { $0.key < $1.key }) where Int(page - 1) * pageSize >= snapshotLength {
            try image.withUnsafeBytes { try FileIO.pwriteAll(fd, $0, at: Int(page - 1) * pageSize, path: path) }
        }
        if let finalSize, ftruncate(fd, off_t(finalSize * pageSize)) != 0 {
            throw SystemError("truncate", path, errno: errno)
        }
    }
}

/// Replays WAL indices the way a SQLite checkpoint does: each committed frame's page goes to
/// the sink; at the end of the index the database size becomes the one recorded in the last
/// commit frame. Frames after the last commit of an index are ignored, as SQLite ignores them.
/// Every frame's salt and checksum chain is verified and segments must be contiguous.
struct WALApplier {
    let generation: Generation

    private var index = -1
    private var expectedOffset = 0
    private var header: WALHeader?
    private var checksum: (UInt32, UInt32) = (0, 0)
    private var carry: [UInt8] = []
    /// Segments holding frames of the transaction in progress, and those frames.
    private var chunks: [[UInt8]] = []
    private var pending: [(chunk: Int, offset: Int, page: UInt32)] = []
    private var committedSize: UInt32?

    init(generation: Generation) {
        self.generation = generation
    }

    private func corrupt(_ segment: WALSegmentInfo, _ what: String) -> SwiftStreamError {
        SwiftStreamError(
            .corrupt,
            "corrupt wal segment \(generation)/\(ReplicaPaths.walSegmentName(index: segment.index, offset: segment.offset)): \(what)"
        )
    }

    mutating func apply<Sink: PageSink>(segment: WALSegmentInfo, data: [UInt8], to sink: inout Sink) throws {
        if segment.index != index {
            index = segment.index
            expectedOffset = 0
            header = nil
            carry = []
            chunks = []
            pending = []
            committedSize = nil
        }
        guard segment.offset == expectedOffset else {
            throw SwiftStreamError(
                .corrupt,
                "missing wal segment: generation=\(generation) index=\(Hex.format8(segment.index)) offset=\(expectedOffset) (the next segment starts at offset \(segment.offset)); the replica is incomplete"
            )
        }
        expectedOffset += data.count
        var bytes = data
        if !carry.isEmpty {
            bytes = carry + data
            carry = []
        }
        var position = 0
        if header == nil {
            guard bytes.count >= WAL.headerSize else {
                if segment.offset == 0 && !bytes.isEmpty {
                    throw corrupt(segment, "shorter than the 32-byte wal header")
                }
                carry = bytes
                return
            }
            do {
                let parsed = try WALHeader(Array(bytes[0..<WAL.headerSize]))
                header = parsed
                checksum = (parsed.checksum1, parsed.checksum2)
            } catch {
                throw corrupt(segment, "\(error)")
            }
            position = WAL.headerSize
        }
        // swift-format-ignore: NeverForceUnwrap
        // Set just above or by an earlier segment of this index.
        let header = self.header!
        let frameSize = WAL.frameHeaderSize + header.pageSize
        chunks.append(bytes)
        var chunk = chunks.count - 1
        try bytes.withUnsafeBytes { raw in
            while position + frameSize <= raw.count {
                let frame = UnsafeRawBufferPointer(rebasing: raw[position..<(position + frameSize)])
                let page = WAL.readBE32(frame, 0)
                let commit = WAL.readBE32(frame, 4)
                guard WAL.readBE32(frame, 8) == header.salt1, WAL.readBE32(frame, 12) == header.salt2 else {
                    throw corrupt(segment, "frame at byte \(position) has a salt that differs from the wal header")
                }
                var sum = WAL.checksum(
                    UnsafeRawBufferPointer(rebasing: frame[0..<8]), bigEndian: header.bigEndianChecksums,
                    checksum.0, checksum.1)
                sum = WAL.checksum(
                    UnsafeRawBufferPointer(rebasing: frame[WAL.frameHeaderSize...]),
                    bigEndian: header.bigEndianChecksums, sum.0, sum.1)
                guard sum.0 == WAL.readBE32(frame, 16), sum.1 == WAL.readBE32(frame, 20), page != 0 else {
                    throw corrupt(segment, "frame at byte \(position) fails its checksum")
                }
                checksum = sum
                pending.append((chunk, position + WAL.frameHeaderSize, page))
                if commit != 0 {
                    try writePending(to: &sink, pageSize: header.pageSize)
                    committedSize = commit
                    chunks = [bytes]
                    chunk = 0
                }
                position += frameSize
            }
        }
        if position < bytes.count {
            carry = Array(bytes[position...])
        }
    }

    private mutating func writePending<Sink: PageSink>(to sink: inout Sink, pageSize: Int) throws {
        for entry in pending {
            try chunks[entry.chunk].withUnsafeBytes { raw in
                try sink.write(
                    page: entry.page, UnsafeRawBufferPointer(rebasing: raw[entry.offset..<(entry.offset + pageSize)]),
                    pageSize: pageSize)
            }
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Ends the current index: the database size becomes the last commit's; uncommitted
    /// frames are dropped.
    mutating func finishIndex<Sink: PageSink>(to sink: inout Sink) throws {
        if let committedSize, let header {
            try sink.truncate(pages: Int(committedSize), pageSize: header.pageSize)
        }
        pending = []
        chunks = []
        carry = []
    }
}
