/// Byte-level facts about SQLite's WAL format (sqlite.org/fileformat2.html#walformat).
/// Header and frame-header fields are big-endian; the checksum words use the byte order the
/// magic names.
public enum WAL {
    public static let headerSize = 32
    public static let frameHeaderSize = 24
    public static let magicLittleEndian: UInt32 = 0x377f_0682
    public static let magicBigEndian: UInt32 = 0x377f_0683
    public static let formatVersion: UInt32 = 3_007_000

    @inline(__always)
    static func readBE32(_ p: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        UInt32(p[offset]) << 24 | UInt32(p[offset + 1]) << 16 | UInt32(p[offset + 2]) << 8 | UInt32(p[offset + 3])
    }

    public static func readBE32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        bytes.withUnsafeBytes { readBE32($0, offset) }
    }

    /// Continues the WAL checksum `(s0, s1)` over `data` (length a multiple of 8).
    /// `bigEndian` is true for magic 0x377f0683.
    @inline(__always)
    public static func checksum(
        _ data: UnsafeRawBufferPointer, bigEndian: Bool, _ s0: UInt32 = 0, _ s1: UInt32 = 0
    ) -> (UInt32, UInt32) {
        var a = s0
        var b = s1
        let words = data.count / 4
        var i = 0
        if bigEndian {
            while i + 1 < words {
                let x0 = UInt32(bigEndian: data.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))
                let x1 = UInt32(bigEndian: data.loadUnaligned(fromByteOffset: i * 4 + 4, as: UInt32.self))
                a = a &+ x0 &+ b
                b = b &+ x1 &+ a
                i += 2
            }
        } else {
            while i + 1 < words {
                let x0 = UInt32(littleEndian: data.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))
                let x1 = UInt32(littleEndian: data.loadUnaligned(fromByteOffset: i * 4 + 4, as: UInt32.self))
                a = a &+ x0 &+ b
                b = b &+ x1 &+ a
                i += 2
            }
        }
        return (a, b)
    }

    public static func checksum(_ data: [UInt8], bigEndian: Bool, _ s0: UInt32 = 0, _ s1: UInt32 = 0) -> (
        UInt32, UInt32
    ) {
        data.withUnsafeBytes { checksum($0, bigEndian: bigEndian, s0, s1) }
    }

    /// Frame-aligned size of a WAL file of `size` bytes: 0 below the header, else header plus whole frames.
    public static func alignedSize(_ size: Int, pageSize: Int) -> Int {
        if size < headerSize { return 0 }
        let frame = frameHeaderSize + pageSize
        return headerSize + (size - headerSize) / frame * frame
    }
}
