/// The 32-byte WAL header.
public struct WALHeader: Sendable, Equatable {
    public var magic: UInt32
    public var version: UInt32
    public var pageSize: Int
    public var checkpointSequence: UInt32
    public var salt1: UInt32
    public var salt2: UInt32
    public var checksum1: UInt32
    public var checksum2: UInt32

    public var bigEndianChecksums: Bool { magic == WAL.magicBigEndian }

    /// Parses and validates a header (magic, version, page size, checksum).
    public init(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count >= WAL.headerSize else {
            throw SwiftStreamError(.corrupt, "wal header too short: \(bytes.count) bytes")
        }
        magic = WAL.readBE32(bytes, 0)
        guard magic == WAL.magicLittleEndian || magic == WAL.magicBigEndian else {
            throw SwiftStreamError(.corrupt, "invalid wal header magic")
        }
        version = WAL.readBE32(bytes, 4)
        let rawPageSize = Int(WAL.readBE32(bytes, 8))
        pageSize = rawPageSize == 1 ? 65536 : rawPageSize
        checkpointSequence = WAL.readBE32(bytes, 12)
        salt1 = WAL.readBE32(bytes, 16)
        salt2 = WAL.readBE32(bytes, 20)
        checksum1 = WAL.readBE32(bytes, 24)
        checksum2 = WAL.readBE32(bytes, 28)
        guard pageSize >= 512, pageSize <= 65536, pageSize & (pageSize - 1) == 0 else {
            throw SwiftStreamError(.corrupt, "invalid wal header page size \(rawPageSize)")
        }
        let (s0, s1) = WAL.checksum(
            UnsafeRawBufferPointer(rebasing: bytes[0..<24]), bigEndian: magic == WAL.magicBigEndian)
        guard s0 == checksum1, s1 == checksum2 else {
            throw SwiftStreamError(.corrupt, "invalid header checksum")
        }
    }

    public init(_ bytes: [UInt8]) throws {
        self = try bytes.withUnsafeBytes { try WALHeader($0) }
    }
}
