import SwiftStream
import SwiftStreamSystem

/// Reads a file replica directly (no swiftstream code beyond name parsing and LZ4), to tell
/// when Litestream has caught up and to pick objects for the damage scenarios.
struct ReplicaInspector {
    var root: String

    struct Segment: Sendable, Hashable {
        var generation: String
        var index: Int
        var offset: Int
        var path: String
    }

    func generations() throws -> [String] {
        try FileIO.listDirectory(root + "/generations").filter(\.isDirectory).map(\.name)
            .filter { Generation($0) != nil }
    }

    func snapshots(_ generation: String) throws -> [(index: Int, path: String)] {
        let dir = "\(root)/generations/\(generation)/snapshots"
        return try FileIO.listDirectory(dir).compactMap { entry in
            ReplicaPaths.parseSnapshotName(entry.name).map { ($0, dir + "/" + entry.name) }
        }.sorted { $0.index < $1.index }
    }

    func segments(_ generation: String) throws -> [Segment] {
        let dir = "\(root)/generations/\(generation)/wal"
        return try FileIO.listDirectory(dir).compactMap { entry -> Segment? in
            guard let (index, offset) = ReplicaPaths.parseWALSegmentName(entry.name) else { return nil }
            return Segment(generation: generation, index: index, offset: offset, path: dir + "/" + entry.name)
        }.sorted { ($0.index, $0.offset) < ($1.index, $1.offset) }
    }

    /// The decompressed WAL stream of one index (its segments concatenated in offset order).
    func walBytes(_ generation: String, index: Int) throws -> [UInt8] {
        var bytes: [UInt8] = []
        for segment in try segments(generation) where segment.index == index {
            bytes += try LZ4Frame.decompress(try FileIO.readAll(segment.path))
        }
        return bytes
    }

    /// True once the replica holds, for Litestream's current generation, a WAL index whose
    /// bytes equal the committed part of the database's `-wal` file, i.e. everything the
    /// application committed has been uploaded. Only meaningful while the application is idle.
    static func isCaughtUp(databasePath: String, replicaRoot: String) throws -> Bool {
        let metaFile = Path.dirname(databasePath) + "/." + Path.basename(databasePath) + "-litestream/generation"
        guard FileIO.exists(metaFile) else { return false }
        let generation = String(decoding: try FileIO.readAll(metaFile), as: UTF8.self)
            .trimmingCharacters(in: " \n")
        guard Generation(generation) != nil, FileIO.exists(databasePath + "-wal") else { return false }
        let wal = try FileIO.readAll(databasePath + "-wal")
        let committed = committedLength(of: wal)
        guard committed >= WAL.headerSize else { return false }
        let inspector = ReplicaInspector(root: replicaRoot)
        guard try !inspector.snapshots(generation).isEmpty,
            let lastIndex = try inspector.segments(generation).last?.index
        else { return false }
        let uploaded = try inspector.walBytes(generation, index: lastIndex)
        return uploaded.count == committed && uploaded[...] == wal[..<committed]
    }

    /// Length of the prefix of a WAL file up to its last valid commit frame (header checksum,
    /// salts and the frame checksum chain verified, as SQLite and Litestream do); 32 for a valid
    /// header without commits, 0 without a valid header.
    static func committedLength(of wal: [UInt8]) -> Int {
        guard wal.count >= WAL.headerSize, let header = try? WALHeader(Array(wal[0..<WAL.headerSize])) else {
            return 0
        }
        let frameSize = WAL.frameHeaderSize + header.pageSize
        var sums = (header.checksum1, header.checksum2)
        var offset = WAL.headerSize
        var committed = WAL.headerSize
        wal.withUnsafeBytes { bytes in
            while offset + frameSize <= bytes.count {
                func word(_ at: Int) -> UInt32 { WAL.readBE32(wal, offset + at) }
                guard word(8) == header.salt1, word(12) == header.salt2 else { break }
                let afterHeader = WAL.checksum(
                    UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + 8)]),
                    bigEndian: header.bigEndianChecksums,
                    sums.0, sums.1)
                let afterPage = WAL.checksum(
                    UnsafeRawBufferPointer(rebasing: bytes[(offset + 24)..<(offset + frameSize)]),
                    bigEndian: header.bigEndianChecksums, afterHeader.0, afterHeader.1)
                guard afterPage.0 == word(16), afterPage.1 == word(20) else { break }
                sums = afterPage
                if word(4) != 0 { committed = offset + frameSize }
                offset += frameSize
            }
        }
        return committed
    }
}

extension String {
    /// Drops leading and trailing characters contained in `set` (no Foundation).
    func trimmingCharacters(in set: String) -> String {
        let drop = Set(set)
        var view = self[...]
        while let first = view.first, drop.contains(first) { view = view.dropFirst() }
        while let last = view.last, drop.contains(last) { view = view.dropLast() }
        return String(view)
    }
}
