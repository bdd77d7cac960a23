/// CRC-64/ISO (polynomial x^64 + x^4 + x^3 + x + 1, reflected, initial and final value all
/// ones), the checksum Litestream's validation logs (Go's `crc64.MakeTable(crc64.ISO)`).
///
/// Written here because none of the libraries swiftstream links has it: liblz4 keeps its xxHash
/// private, and libcrypto (which has no CRC-64 either) is only loaded for S3 replicas.
public struct CRC64: Sendable {
    private static let table: [UInt64] = (0..<256).map { byte in
        var crc = UInt64(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xD800_0000_0000_0000 : crc >> 1 }
        return crc
    }

    private var state: UInt64 = ~0

    public init() {}

    /// Adds `bytes` to the checksum.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var crc = state
        Self.table.withUnsafeBufferPointer { table in
            for byte in bytes { crc = table[Int(UInt8(truncatingIfNeeded: crc) ^ byte)] ^ (crc >> 8) }
        }
        state = crc
    }

    /// The checksum of everything added so far.
    public var value: UInt64 { ~state }

    /// `%016x`, as Litestream logs it.
    public static func format(_ value: UInt64) -> String {
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
