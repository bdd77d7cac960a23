import SwiftStreamSystem
import SystemPackage

/// The local shadow WAL: per-index byte copies of the committed prefix of SQLite's `-wal` file
/// (replica-format.md §10, replication.md §4.1-§4.2). Pure file operations; the caller serialises them.
enum ShadowWAL {
    /// `%08x.wal`.
    static func fileName(index: Int) -> String { Hex.format8(index) + ".wal" }

    /// Parses `^([0-9a-f]{8})\.wal$`.
    static func parseFileName(_ name: String) -> Int? {
        guard name.hasSuffix(".wal") else { return nil }
        return Hex.parse8(name.dropLast(4))
    }

    /// Highest shadow index in `walDirectory` (0 when empty or missing) and the total size of
    /// every shadow file in it.
    static func currentIndex(in walDirectory: String) throws -> (index: Int, totalSize: Int) {
        var index = 0
        var total = 0
        for entry in try FileIO.listDirectory(walDirectory) where !entry.isDirectory {
            guard let value = parseFileName(entry.name) else { continue }
            index = max(index, value)
            total += Int((try FileIO.fileStatus(walDirectory + "/" + entry.name))?.st_size ?? 0)
        }
        return (index, total)
    }

    /// The first 32 bytes of a WAL file; throws when the file is missing or shorter.
    static func readHeader(_ path: String) throws -> [UInt8] {
        try readAt(path, offset: 0, count: WAL.headerSize)
    }

    /// Exactly `count` bytes at `offset`; throws on a short read.
    static func readAt(_ path: String, offset: Int, count: Int) throws -> [UInt8] {
        let bytes = try FileDescriptor.withOpened(path) { try $0.read(count: count, at: offset, path: path) }
        guard bytes.count == count else {
            throw SwiftStreamError(.corrupt, "read \(path): unexpected EOF at offset \(offset)")
        }
        return bytes
    }

    /// Frame-aligned size of the file at `path` (0 when missing).
    static func alignedSize(_ path: String, pageSize: Int) throws -> Int? {
        guard let st = try FileIO.fileStatus(path) else { return nil }
        return WAL.alignedSize(Int(st.st_size), pageSize: pageSize)
    }

    /// Result of copying frames into a shadow file.
    struct CopyResult {
        /// Frame-aligned size of the real WAL, or the shadow size when nothing was copied
        /// (Litestream's quirk, which the checkpoint decision inherits).
        var originalSize: Int
        /// Shadow size after the copy.
        var newSize: Int
        /// Bytes appended to the shadow file.
        var copiedBytes: Int
    }

    /// Appends to `shadow` every frame of `realWAL` after the shadow's end that carries the
    /// shadow header's salts and continues its checksum chain, up to the last commit frame
    /// (replication.md §4.1), then fsyncs it.
    static func copyFrames(
        from realWAL: String, to shadow: String, pageSize: Int, scratch: ScratchBuffer
    ) throws -> CopyResult {
        let frameSize = WAL.frameHeaderSize + pageSize
        let realFD = try FileDescriptor.open(realWAL, .readOnly)
        defer { realFD.closeIgnoringErrors() }
        let realWALSize = WAL.alignedSize(Int(try realFD.status(path: realWAL).st_size), pageSize: pageSize)

        let shadowFD = try FileDescriptor.open(shadow, .readWrite)
        defer { shadowFD.closeIgnoringErrors() }
        let shadowSize = WAL.alignedSize(Int(try shadowFD.status(path: shadow).st_size), pageSize: pageSize)

        let header = try shadowFD.read(count: WAL.headerSize, at: 0, path: shadow)
        guard header.count == WAL.headerSize else {
            throw SwiftStreamError(.corrupt, "read header \(shadow): unexpected EOF")
        }
        let magic = WAL.readBE32(header, 0)
        guard magic == WAL.magicLittleEndian || magic == WAL.magicBigEndian else {
            throw SwiftStreamError(.corrupt, "invalid wal header magic: \(String(magic, radix: 16))")
        }
        let bigEndian = magic == WAL.magicBigEndian
        let salt1 = WAL.readBE32(header, 16)
        let salt2 = WAL.readBE32(header, 20)

        // The checksum chain continues from the last whole frame, or from the header.
        let checksumOffset = shadowSize > WAL.headerSize ? shadowSize - frameSize + 16 : 24
        let last = try shadowFD.read(count: 8, at: checksumOffset, path: shadow)
        guard last.count == 8 else { throw SwiftStreamError(.corrupt, "last checksum \(shadow): unexpected EOF") }
        var s0 = WAL.readBE32(last, 0)
        var s1 = WAL.readBE32(last, 4)

        // Read the real WAL in batches of frames; stop at EOF, a short frame, a foreign salt or a
        // broken checksum. Frames are appended to the shadow file each time a commit frame is
        // passed, so the shadow only ever holds committed transactions (what a concurrent
        // replica upload may read); only the frames of the transaction in progress wait in
        // memory. (Litestream stages every frame in `<shadow>.tmp` first; that file is not part
        // of the format.)
        let batchFrames = max(1, (1 << 20) / frameSize)
        var offset = shadowSize
        var appended = shadowSize
        var pending: [UInt8] = []
        scan: while true {
            let raw = try scratch.read(realFD, count: batchFrames * frameSize, at: offset, path: realWAL)
            let whole = raw.count / frameSize
            if whole == 0 { break }
            var valid = 0
            var committed = 0
            check: for i in 0..<whole {
                let base = i * frameSize
                let frame = UnsafeRawBufferPointer(rebasing: raw[base..<(base + frameSize)])
                guard WAL.readBE32(frame, 8) == salt1, WAL.readBE32(frame, 12) == salt2 else { break check }
                var (c0, c1) = WAL.checksum(
                    UnsafeRawBufferPointer(rebasing: frame[0..<8]), bigEndian: bigEndian, s0, s1)
                (c0, c1) = WAL.checksum(
                    UnsafeRawBufferPointer(rebasing: frame[WAL.frameHeaderSize...]), bigEndian: bigEndian, c0, c1)
                guard c0 == WAL.readBE32(frame, 16), c1 == WAL.readBE32(frame, 20) else { break check }
                s0 = c0
                s1 = c1
                valid += 1
                if WAL.readBE32(frame, 4) != 0 { committed = valid }
            }
            if committed > 0 {
                // Everything up to this batch's last commit frame is committed: append it.
                let frames = UnsafeRawBufferPointer(rebasing: raw[0..<(committed * frameSize)])
                if pending.isEmpty {
                    try shadowFD.writeAll(frames, at: appended, path: shadow)
                    appended += frames.count
                } else {
                    pending.append(contentsOf: frames)
                    try pending.withUnsafeBytes { try shadowFD.writeAll($0, at: appended, path: shadow) }
                    appended += pending.count
                }
                pending.removeAll(keepingCapacity: true)
                if committed < valid {
                    pending.append(contentsOf: raw[(committed * frameSize)..<(valid * frameSize)])
                }
            } else if valid > 0 {
                pending.append(contentsOf: raw[0..<(valid * frameSize)])
            }
            offset += valid * frameSize
            if valid < batchFrames { break scan }
        }

        if appended == shadowSize {
            return CopyResult(originalSize: shadowSize, newSize: shadowSize, copiedBytes: 0)
        }
        try shadowFD.sync(path: shadow)
        return CopyResult(originalSize: realWALSize, newSize: appended, copiedBytes: appended - shadowSize)
    }

    /// Starts shadow file `shadow` from the real WAL's verified header, then copies frames
    /// (replication.md §4.2). Returns the new shadow size.
    static func initialize(
        _ shadow: String, from realWAL: String, pageSize: Int, ownership: FileOwnership, scratch: ScratchBuffer
    ) throws -> Int {
        let header = try readHeader(realWAL)
        _ = try WALHeader(header)  // magic and header checksum ("invalid header checksum")
        try ownership.makeDirectories(Path.dirname(shadow))
        try ownership.writeFile(shadow, header)
        return try copyFrames(from: realWAL, to: shadow, pageSize: pageSize, scratch: scratch).newSize
    }

    /// Calls `body` with the page number, the commit field (non-zero on a commit frame) and the
    /// byte offset of every whole frame in `[start, end)` of a shadow file; `start` is
    /// frame-aligned (the header size at the earliest). Reads the frame headers only.
    static func forEachFrame(
        of descriptor: FileDescriptor, path: String, from start: Int, to end: Int, pageSize: Int,
        _ body: (_ page: UInt32, _ commit: UInt32, _ offset: Int) throws -> Void
    ) throws {
        let frameSize = WAL.frameHeaderSize + pageSize
        var offset = max(start, WAL.headerSize)
        while offset + frameSize <= end {
            let header = try descriptor.read(count: 8, at: offset, path: path)
            guard header.count == 8 else { break }
            try body(WAL.readBE32(header, 0), WAL.readBE32(header, 4), offset)
            offset += frameSize
        }
    }

    /// Deletes every file whose name ends in `.tmp` anywhere below `root` (missing root: no-op).
    static func removeTemporaryFiles(under root: String) throws {
        guard let entries = try FileIO.listDirectoryIfExists(root) else { return }
        // Links are not followed: a symlinked directory holds somebody else's files.
        for entry in entries where !entry.isSymbolicLink {
            let path = root + "/" + entry.name
            if entry.isDirectory {
                try removeTemporaryFiles(under: path)
            } else if entry.name.hasSuffix(".tmp") {
                try FileIO.remove(path)
            }
        }
    }
}
