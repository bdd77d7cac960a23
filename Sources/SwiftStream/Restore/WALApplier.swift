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
