import CLZ4

/// The frame parameters Litestream v0.3.13 writes (pierrec/lz4 defaults): 4 MiB independent
/// blocks, content checksum, no content size, no block checksums. The header is therefore
/// always `04 22 4D 18 64 70 B9`.
func litestreamPreferences() -> LZ4F_preferences_t {
    var prefs = LZ4F_preferences_t()
    prefs.frameInfo.blockSizeID = LZ4F_max4MB
    prefs.frameInfo.blockMode = LZ4F_blockIndependent
    prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled
    prefs.frameInfo.blockChecksumFlag = LZ4F_noBlockChecksum
    prefs.frameInfo.contentSize = 0
    prefs.compressionLevel = 0
    // Each update becomes whole blocks at once: no 4 MiB staging buffer per frame (allocated,
    // page-faulted and freed for every WAL segment otherwise). Blocks are then at most the
    // update size (1 MiB) instead of 4 MiB, which every LZ4 frame reader accepts; the header
    // still announces 4 MiB blocks, as Litestream's does.
    prefs.autoFlush = 1
    return prefs
}

/// Stateless helpers for whole-buffer LZ4 frames.
public enum LZ4Frame {
    /// The seven header bytes of every frame Litestream writes.
    public static let litestreamHeader: [UInt8] = [0x04, 0x22, 0x4D, 0x18, 0x64, 0x70, 0xB9]

    /// Compresses `input` into one frame with Litestream's header.
    ///
    /// Uses the streaming calls rather than `LZ4F_compressFrame`, which would shrink the block
    /// size for small inputs and so change the header's BD byte (Litestream always writes
    /// `64 70 B9`).
    public static func compress(_ input: UnsafeRawBufferPointer) throws -> [UInt8] {
        var prefs = litestreamPreferences()
        var context: OpaquePointer?
        _ = try LZ4Error.check(LZ4F_createCompressionContext(&context, UInt32(LZ4F_VERSION)))
        defer { LZ4F_freeCompressionContext(context) }
        let capacity = Int(LZ4F_HEADER_SIZE_MAX) + LZ4F_compressBound(input.count, &prefs) + 16
        // Not zero-filled first: only the bytes liblz4 writes are kept.
        return try [UInt8](unsafeUninitializedCapacity: capacity) { out, initialized in
            guard let base = UnsafeMutableRawPointer(out.baseAddress) else {
                throw LZ4Error(message: "no output buffer")  // capacity is never 0: the header alone needs 7 bytes
            }
            var n = try LZ4Error.check(LZ4F_compressBegin(context, base, capacity, &prefs))
            if input.count > 0 {
                n += try LZ4Error.check(
                    LZ4F_compressUpdate(context, base + n, capacity - n, input.baseAddress, input.count, nil))
            }
            n += try LZ4Error.check(LZ4F_compressEnd(context, base + n, capacity - n, nil))
            initialized = n
        }
    }

    public static func compress(_ input: [UInt8]) throws -> [UInt8] {
        try input.withUnsafeBytes { try compress($0) }
    }

    /// Decompresses one complete frame.
    public static func decompress(_ input: [UInt8], sizeHint: Int = 0) throws -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(max(sizeHint, input.count * 3))
        let decoder = try LZ4FrameDecoder(outputChunk: min(4 << 20, max(64 << 10, input.count * 4)))
        try input.withUnsafeBytes { buffer in
            try decoder.feed(buffer) { output.append(contentsOf: $0) }
        }
        try decoder.finish()
        return output
    }
}
