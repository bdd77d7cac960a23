import SwiftStream
import Testing

func hexBytes(_ hex: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var iterator = hex.makeIterator()
    while let high = iterator.next(), let low = iterator.next() {
        if let value = UInt8(String([high, low]), radix: 16) { bytes.append(value) }
    }
    return bytes
}

func bigEndianBytes(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
}

/// Test vectors of replica-format.md §12 (from Litestream's tests).
@Suite struct WALTests {
    static let headerPrefix = hexBytes("377f0682002de218000010000000000052382eac857b1a4e")
    static let frameHeaderPrefix = hexBytes("0000000200000002")

    static var page: [UInt8] {
        var page = [UInt8](repeating: 0, count: 4096)
        let head = hexBytes("0d000000080fe0000ffc0ff80ff40ff00fec0fe80fe40fe0")
        let tail = hexBytes("0208020902070209020602090205020902040209020302090202020902010209")
        page.replaceSubrange(0..<head.count, with: head)
        page.replaceSubrange((4096 - tail.count)..<4096, with: tail)
        return page
    }

    @Test func headerChecksumVector() {
        #expect(Self.headerPrefix.count == 24)
        let (s0, s1) = WAL.checksum(Self.headerPrefix, bigEndian: false)
        #expect(s0 == 0x8115_3b65)
        #expect(s1 == 0x8717_8e8f)
    }

    @Test func frameChecksumVectorContinuesFromTheHeader() {
        let (h0, h1) = WAL.checksum(Self.headerPrefix, bigEndian: false)
        let (f0, f1) = WAL.checksum(Self.frameHeaderPrefix, bigEndian: false, h0, h1)
        let (s0, s1) = WAL.checksum(Self.page, bigEndian: false, f0, f1)
        #expect(s0 == 0xdc2f_3e84)
        #expect(s1 == 0x5404_88d3)
        let onePass = WAL.checksum(Self.headerPrefix + Self.frameHeaderPrefix + Self.page, bigEndian: false)
        #expect(onePass.0 == 0xdc2f_3e84)
        #expect(onePass.1 == 0x5404_88d3)
    }

    @Test func checksumByteOrderFollowsTheMagic() {
        let data: [UInt8] = [1, 0, 0, 0, 2, 0, 0, 0]
        #expect(WAL.checksum(data, bigEndian: false) == (1, 3))
        #expect(WAL.checksum(data, bigEndian: true) == (0x0100_0000, 0x0300_0000))
    }

    @Test func parsesTheVectorHeader() throws {
        let bytes = Self.headerPrefix + bigEndianBytes(0x8115_3b65) + bigEndianBytes(0x8717_8e8f)
        let header = try WALHeader(bytes)
        #expect(header.magic == WAL.magicLittleEndian)
        #expect(!header.bigEndianChecksums)
        #expect(header.version == 3_007_000)
        #expect(header.pageSize == 4096)
        #expect(header.checkpointSequence == 0)
        #expect(header.salt1 == 0x5238_2eac)
        #expect(header.salt2 == 0x857b_1a4e)
        #expect(header.checksum1 == 0x8115_3b65)
        #expect(header.checksum2 == 0x8717_8e8f)
    }

    @Test func parsesBigEndianHeadersAndPageSize65536() throws {
        var prefix = Self.headerPrefix
        prefix[3] = 0x83
        prefix.replaceSubrange(8..<12, with: [0, 0, 0, 1])  // 1 means 65536
        let (s0, s1) = WAL.checksum(prefix, bigEndian: true)
        let header = try WALHeader(prefix + bigEndianBytes(s0) + bigEndianBytes(s1))
        #expect(header.bigEndianChecksums)
        #expect(header.pageSize == 65536)
    }

    @Test func rejectsDamagedHeaders() {
        let good = Self.headerPrefix + bigEndianBytes(0x8115_3b65) + bigEndianBytes(0x8717_8e8f)
        var badChecksum = good
        badChecksum[31] ^= 1
        var badMagic = good
        badMagic[0] = 0
        var badSalt = good
        badSalt[17] ^= 0x10
        var badPageSize = good
        badPageSize.replaceSubrange(8..<12, with: [0, 0, 0x10, 0x01])
        for bytes in [badChecksum, badMagic, badSalt, badPageSize, Array(good.prefix(31)), []] {
            #expect(throws: SwiftStreamError.self) { try WALHeader(bytes) }
        }
    }

    @Test func alignedSizeCountsWholeFrames() {
        #expect(WAL.alignedSize(0, pageSize: 4096) == 0)
        #expect(WAL.alignedSize(31, pageSize: 4096) == 0)
        #expect(WAL.alignedSize(32, pageSize: 4096) == 32)
        #expect(WAL.alignedSize(32 + 4119, pageSize: 4096) == 32)
        #expect(WAL.alignedSize(32 + 4120, pageSize: 4096) == 4152)
        #expect(WAL.alignedSize(32 + 3 * 4120 + 100, pageSize: 4096) == 32 + 3 * 4120)
        #expect(WAL.alignedSize(32 + 2 * 536, pageSize: 512) == 32 + 2 * 536)
    }
}
