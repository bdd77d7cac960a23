/// Reference xxHash32 (seed 0 by default), to check LZ4 frame checksums independently of liblz4.
enum XXH32 {
    private static let p1: UInt32 = 2_654_435_761
    private static let p2: UInt32 = 2_246_822_519
    private static let p3: UInt32 = 3_266_489_917
    private static let p4: UInt32 = 668_265_263
    private static let p5: UInt32 = 374_761_393

    private static func rotl(_ x: UInt32, _ r: UInt32) -> UInt32 { (x << r) | (x >> (32 - r)) }

    private static func round(_ acc: UInt32, _ input: UInt32) -> UInt32 {
        rotl(acc &+ input &* p2, 13) &* p1
    }

    private static func word(_ bytes: [UInt8], _ i: Int) -> UInt32 {
        UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
    }

    static func hash(_ bytes: [UInt8], seed: UInt32 = 0) -> UInt32 {
        var i = 0
        var h: UInt32
        if bytes.count >= 16 {
            var v1 = seed &+ p1 &+ p2
            var v2 = seed &+ p2
            var v3 = seed
            var v4 = seed &- p1
            while i + 16 <= bytes.count {
                v1 = round(v1, word(bytes, i))
                v2 = round(v2, word(bytes, i + 4))
                v3 = round(v3, word(bytes, i + 8))
                v4 = round(v4, word(bytes, i + 12))
                i += 16
            }
            h = rotl(v1, 1) &+ rotl(v2, 7) &+ rotl(v3, 12) &+ rotl(v4, 18)
        } else {
            h = seed &+ p5
        }
        h = h &+ UInt32(truncatingIfNeeded: bytes.count)
        while i + 4 <= bytes.count {
            h = rotl(h &+ word(bytes, i) &* p3, 17) &* p4
            i += 4
        }
        while i < bytes.count {
            h = rotl(h &+ UInt32(bytes[i]) &* p5, 11) &* p1
            i += 1
        }
        h ^= h >> 15
        h = h &* p2
        h ^= h >> 13
        h = h &* p3
        h ^= h >> 16
        return h
    }

    static func littleEndianBytes(_ value: UInt32) -> [UInt8] {
        [UInt8(value & 0xff), UInt8(value >> 8 & 0xff), UInt8(value >> 16 & 0xff), UInt8(value >> 24)]
    }
}
