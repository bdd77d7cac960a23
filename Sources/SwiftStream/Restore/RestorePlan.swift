/// Everything a restore needs, decided before the output file is created (restore.md §4.3-4.7).
struct RestorePlan: Sendable {
    var generation: Generation
    var snapshot: SnapshotInfo
    /// Segments of indices snapshot.index...maxIndex, in (index, offset) order.
    var segments: [WALSegmentInfo]
    var maxIndex: Int
    /// Where the WAL replay stops: bytes of index `index` at or after `offset` are not applied.
    var walEnd: (index: Int, offset: Int)?

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
            if let index = options.index, let end = options.endOffset, segment.index == index, segment.offset >= end {
                break
            }
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
        let walEnd = options.index.flatMap { index in options.endOffset.map { (index, $0) } }
        return RestorePlan(
            generation: generation, snapshot: snapshot, segments: used, maxIndex: maxIndex, walEnd: walEnd)
    }
}
