import CLZ4
import SwiftStream
import Testing

/// Deterministic pseudo-random bytes (splitmix64), incompressible enough for raw blocks.
func pseudoRandomBytes(_ count: Int, seed: UInt64 = 42) -> [UInt8] {
    var state = seed
    var result: [UInt8] = []
    result.reserveCapacity(count)
    while result.count < count {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        for shift in stride(from: 0, to: 64, by: 8) where result.count < count {
            result.append(UInt8(truncatingIfNeeded: z >> UInt64(shift)))
        }
    }
    return result
}

/// Text-like, compressible bytes.
func compressibleBytes(_ count: Int) -> [UInt8] {
    let words = ["litestream ", "swift ", "wal ", "snapshot ", "generation ", "0123456789 "].map { Array($0.utf8) }
    var result: [UInt8] = []
    result.reserveCapacity(count + 16)
    var i = 0
    while result.count < count {
        result += words[(i * 7 + i / 3) % words.count]
        i += 1
    }
    return Array(result.prefix(count))
}

/// Builds LZ4 frames byte by byte, with raw (stored) blocks, so no compressor is involved.
struct HandMadeFrame {
    var blocks: [[UInt8]]
    var blockChecksums = false
    var contentSize: UInt64?
    var contentChecksum = true
    var blockSizeID: UInt8 = 7

    var bytes: [UInt8] {
        var flg: UInt8 = 0x40 | 0x20  // version 01, independent blocks
        if blockChecksums { flg |= 0x10 }
        if contentSize != nil { flg |= 0x08 }
        if contentChecksum { flg |= 0x04 }
        var descriptor: [UInt8] = [flg, blockSizeID << 4]
        if let contentSize {
            for shift in stride(from: 0, to: 64, by: 8) {
                descriptor.append(UInt8(truncatingIfNeeded: contentSize >> UInt64(shift)))
            }
        }
        var out: [UInt8] = [0x04, 0x22, 0x4D, 0x18] + descriptor
        out.append(UInt8((XXH32.hash(descriptor) >> 8) & 0xff))
        for block in blocks {
            out += XXH32.littleEndianBytes(UInt32(block.count) | 0x8000_0000)
            out += block
            if blockChecksums { out += XXH32.littleEndianBytes(XXH32.hash(block)) }
        }
        out += [0, 0, 0, 0]
        if contentChecksum { out += XXH32.littleEndianBytes(XXH32.hash(blocks.flatMap { $0 })) }
        return out
    }
}

/// Compresses with liblz4 directly, with frame options Litestream never uses.
func liblz4Frame(
    _ input: [UInt8], linked: Bool = false, blockChecksums: Bool = false, contentSize: Bool = false,
    contentChecksum: Bool = true, blockSize: LZ4F_blockSizeID_t = LZ4F_max64KB
) throws -> [UInt8] {
    var prefs = LZ4F_preferences_t()
    prefs.frameInfo.blockSizeID = blockSize
    prefs.frameInfo.blockMode = linked ? LZ4F_blockLinked : LZ4F_blockIndependent
    prefs.frameInfo.blockChecksumFlag = blockChecksums ? LZ4F_blockChecksumEnabled : LZ4F_noBlockChecksum
    prefs.frameInfo.contentChecksumFlag = contentChecksum ? LZ4F_contentChecksumEnabled : LZ4F_noContentChecksum
    prefs.frameInfo.contentSize = contentSize ? UInt64(input.count) : 0
    var output = [UInt8](repeating: 0, count: LZ4F_compressFrameBound(input.count, &prefs))
    let written = output.withUnsafeMutableBytes { out in
        input.withUnsafeBytes { LZ4F_compressFrame(out.baseAddress, out.count, $0.baseAddress, $0.count, &prefs) }
    }
    try #require(LZ4F_isError(written) == 0)
    return Array(output.prefix(written))
}

@Suite struct LZ4FrameTests {
    @Test("compress writes Litestream's header and a content checksum trailer", arguments: [0, 1, 1000, 70_000])
    func litestreamFraming(count: Int) throws {
        let input = pseudoRandomBytes(count, seed: UInt64(count))
        let frame = try LZ4Frame.compress(input)
        #expect(Array(frame.prefix(7)) == [0x04, 0x22, 0x4D, 0x18, 0x64, 0x70, 0xB9])
        #expect(LZ4Frame.litestreamHeader == Array(frame.prefix(7)))
        #expect(Array(frame.suffix(8)) == [0, 0, 0, 0] + XXH32.littleEndianBytes(XXH32.hash(input)))
        #expect(try LZ4Frame.decompress(frame) == input)
    }

    @Test func headerChecksumByteMatchesXXH32OfDescriptor() {
        #expect(UInt8((XXH32.hash([0x64, 0x70]) >> 8) & 0xff) == 0xB9)
        #expect(XXH32.hash([]) == 0x02CC_5D05)
    }

    @Test func roundTripsInputsLargerThanOneBlock() throws {
        let compressible = compressibleBytes((4 << 20) * 2 + 12345)
        let frame = try LZ4Frame.compress(compressible)
        #expect(frame.count < compressible.count / 2)
        #expect(try LZ4Frame.decompress(frame) == compressible)

        let random = pseudoRandomBytes((4 << 20) + 1, seed: 7)
        #expect(try LZ4Frame.decompress(try LZ4Frame.compress(random)) == random)
    }

    @Test func roundTripsEmptyInput() throws {
        let frame = try LZ4Frame.compress([UInt8]())
        #expect(try LZ4Frame.decompress(frame).isEmpty)
    }

    @Test func streamingEncoderProducesLitestreamFrames() throws {
        let input = compressibleBytes(5 << 20)
        var frame: [UInt8] = []
        let encoder = try LZ4FrameEncoder()
        try encoder.begin { frame += $0 }
        try input.withUnsafeBytes { buffer in
            var position = 0
            while position < buffer.count {
                let n = min(777_777, buffer.count - position)
                try encoder.update(UnsafeRawBufferPointer(rebasing: buffer[position..<(position + n)])) { frame += $0 }
                position += n
            }
        }
        try encoder.end { frame += $0 }
        #expect(Array(frame.prefix(7)) == LZ4Frame.litestreamHeader)
        #expect(try LZ4Frame.decompress(frame) == input)
    }

    @Test func acceptsZeroLengthRawBlocks() throws {
        // What Litestream writes for a snapshot whose size is a multiple of 4 MiB: a final
        // raw block of length 0 (`00 00 00 80`) before the end mark.
        let data = pseudoRandomBytes(5000)
        let frame = HandMadeFrame(blocks: [data, []]).bytes
        #expect(Array(frame.suffix(12).prefix(8)) == [0x00, 0x00, 0x00, 0x80, 0, 0, 0, 0])
        #expect(Array(frame.prefix(7)) == LZ4Frame.litestreamHeader)
        #expect(try LZ4Frame.decompress(frame) == data)
        // An empty snapshot: only the empty block.
        #expect(try LZ4Frame.decompress(HandMadeFrame(blocks: [[]]).bytes).isEmpty)
    }

    @Test func acceptsBlockChecksumsContentSizeAndMissingContentChecksum() throws {
        let data = pseudoRandomBytes(3000, seed: 3)
        let frame = HandMadeFrame(
            blocks: [Array(data[..<1000]), Array(data[1000...])], blockChecksums: true, contentSize: 3000,
            contentChecksum: false, blockSizeID: 4
        ).bytes
        #expect(try LZ4Frame.decompress(frame) == data)
    }

    @Test func acceptsFramesWithLiblz4Options() throws {
        let data = compressibleBytes(600_000) + pseudoRandomBytes(100_000)
        let variants = [
            try liblz4Frame(data, linked: true),
            try liblz4Frame(data, linked: true, blockChecksums: true, contentSize: true),
            try liblz4Frame(data, blockChecksums: true, blockSize: LZ4F_max256KB),
            try liblz4Frame(data, contentSize: true, contentChecksum: false, blockSize: LZ4F_max1MB),
        ]
        for frame in variants {
            #expect(try LZ4Frame.decompress(frame) == data)
        }
    }

    @Test func ignoresBytesAfterTheFrame() throws {
        let data = compressibleBytes(10_000)
        #expect(try LZ4Frame.decompress(try LZ4Frame.compress(data) + [1, 2, 3, 4, 5]) == data)
    }

    @Test func streamingDecoderAcceptsTinyChunks() throws {
        let data = compressibleBytes(200_000)
        let frame = try liblz4Frame(data, linked: true, blockChecksums: true)
        let decoder = try LZ4FrameDecoder(outputChunk: 4096)
        var output: [UInt8] = []
        for start in stride(from: 0, to: frame.count, by: 3) {
            try frame[start..<min(start + 3, frame.count)].withUnsafeBytes { chunk in
                try decoder.feed(chunk) { output += $0 }
            }
        }
        try decoder.finish()
        #expect(output == data)
    }

    @Test("rejects corrupted frames", arguments: [7, 20, 500, 1500, -6, -2])
    func rejectsFlippedBytes(position: Int) throws {
        var frame = try LZ4Frame.compress(compressibleBytes(20_000) + pseudoRandomBytes(3000))
        try #require(frame.count > 1600)
        let index = position >= 0 ? position : frame.count + position
        frame[index] ^= 0x5A
        #expect(throws: (any Error).self) { try LZ4Frame.decompress(frame) }
    }

    @Test func rejectsWrongHeaderChecksumAndMagic() throws {
        var frame = try LZ4Frame.compress(compressibleBytes(1000))
        frame[6] ^= 1
        #expect(throws: LZ4Error.self) { try LZ4Frame.decompress(frame) }
        frame[6] ^= 1
        frame[0] = 0x05
        #expect(throws: LZ4Error.self) { try LZ4Frame.decompress(frame) }
    }

    @Test func rejectsBadBlockChecksum() throws {
        var frame = HandMadeFrame(blocks: [pseudoRandomBytes(100)], blockChecksums: true, contentChecksum: false).bytes
        frame[frame.count - 5] ^= 0xff  // last byte of the block checksum
        #expect(throws: LZ4Error.self) { try LZ4Frame.decompress(frame) }
    }

    @Test func rejectsTruncatedFrames() throws {
        let frame = try LZ4Frame.compress(compressibleBytes(50_000) + pseudoRandomBytes(5000))
        for length in [0, 3, 7, 11, frame.count / 2, frame.count - 5, frame.count - 1] {
            #expect(throws: LZ4Error.self, "truncated to \(length) bytes") {
                try LZ4Frame.decompress(Array(frame.prefix(length)))
            }
        }
    }
}
