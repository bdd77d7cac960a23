import CLZ4

/// An LZ4 frame could not be encoded or decoded; `message` is liblz4's error name.
public struct LZ4Error: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { "lz4: \(message)" }

    static func check(_ code: Int) throws -> Int {
        if LZ4F_isError(code) != 0 { throw LZ4Error(message: String(cString: LZ4F_getErrorName(code))) }
        return code
    }
}

/// The frame parameters Litestream v0.3.13 writes (pierrec/lz4 defaults): 4 MiB independent
/// blocks, content checksum, no content size, no block checksums. The header is therefore
/// always `04 22 4D 18 64 70 B9`.
private func litestreamPreferences() -> LZ4F_preferences_t {
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

/// Streaming LZ4 frame decoder (liblz4's `LZ4F_decompress`): accepts every valid frame,
/// including linked blocks, block checksums, content size and the zero-length raw blocks
/// Litestream writes at the end of snapshots whose size is a multiple of 4 MiB. Checksums
/// present in the frame are verified. Bytes after the end of the frame are ignored.
public final class LZ4FrameDecoder {
    private var context: OpaquePointer?
    private var output: UnsafeMutableRawBufferPointer
    public private(set) var isComplete = false
    private var sawInput = false

    public init(outputChunk: Int = 4 << 20) throws {
        var ctx: OpaquePointer?
        _ = try LZ4Error.check(LZ4F_createDecompressionContext(&ctx, UInt32(LZ4F_VERSION)))
        context = ctx
        output = UnsafeMutableRawBufferPointer.allocate(byteCount: outputChunk, alignment: 16)
    }

    deinit {
        LZ4F_freeDecompressionContext(context)
        output.deallocate()
    }

    /// Feeds compressed bytes; `sink` receives decompressed chunks (valid only during the call).
    public func feed(_ input: UnsafeRawBufferPointer, sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let base = input.baseAddress, input.count > 0 else { return }
        sawInput = true
        var position = 0
        while position < input.count && !isComplete {
            var outSize = output.count
            var inSize = input.count - position
            let hint = try LZ4Error.check(
                LZ4F_decompress(context, output.baseAddress, &outSize, base + position, &inSize, nil))
            position += inSize
            if outSize > 0 { try sink(UnsafeRawBufferPointer(start: output.baseAddress, count: outSize)) }
            if hint == 0 {
                isComplete = true
            } else if inSize == 0 && outSize == 0 {
                break
            }
        }
        // Drain output still buffered inside the context.
        while !isComplete {
            var outSize = output.count
            var inSize = 0
            let hint = try LZ4Error.check(
                LZ4F_decompress(context, output.baseAddress, &outSize, nil, &inSize, nil))
            if outSize > 0 { try sink(UnsafeRawBufferPointer(start: output.baseAddress, count: outSize)) }
            if hint == 0 { isComplete = true }
            if outSize == 0 { break }
        }
    }

    /// Throws unless a whole frame (through its end mark and checksum) was decoded.
    public func finish() throws {
        if !isComplete {
            throw LZ4Error(message: sawInput ? "truncated frame" : "empty object, not an lz4 frame")
        }
    }
}

/// Streaming LZ4 frame encoder producing Litestream's frame header, for snapshots.
public final class LZ4FrameEncoder {
    private var context: OpaquePointer?
    private var buffer: UnsafeMutableRawBufferPointer
    private var prefs = litestreamPreferences()
    private let chunk = 1 << 20

    public init() throws {
        var ctx: OpaquePointer?
        _ = try LZ4Error.check(LZ4F_createCompressionContext(&ctx, UInt32(LZ4F_VERSION)))
        context = ctx
        let bound = LZ4F_compressBound(chunk, &prefs) + 64
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bound, 1 << 16), alignment: 16)
    }

    deinit {
        LZ4F_freeCompressionContext(context)
        buffer.deallocate()
    }

    /// The most bytes a whole frame over `inputCount` bytes can take (header, blocks of at most
    /// 1 MiB, end mark and checksum), so that callers can size their output once.
    public func maximumFrameSize(forInput inputCount: Int) -> Int {
        let whole = inputCount / chunk
        let rest = inputCount % chunk
        var total = Int(LZ4F_HEADER_SIZE_MAX) + 16
        if whole > 0 { total += whole * LZ4F_compressBound(chunk, &prefs) }
        if rest > 0 { total += LZ4F_compressBound(rest, &prefs) }
        return total
    }

    /// Writes the frame header. An encoder can write any number of frames, one after another.
    public func begin(sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        let n = try LZ4Error.check(LZ4F_compressBegin(context, buffer.baseAddress, buffer.count, &prefs))
        try sink(UnsafeRawBufferPointer(start: buffer.baseAddress, count: n))
    }

    /// Compresses `input` into blocks of at most 1 MiB and emits them.
    public func update(_ input: UnsafeRawBufferPointer, sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let base = input.baseAddress else { return }
        var position = 0
        while position < input.count {
            let n = min(chunk, input.count - position)
            let written = try LZ4Error.check(
                LZ4F_compressUpdate(context, buffer.baseAddress, buffer.count, base + position, n, nil))
            if written > 0 { try sink(UnsafeRawBufferPointer(start: buffer.baseAddress, count: written)) }
            position += n
        }
    }

    /// Flushes the last block and writes the end mark and content checksum.
    public func end(sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        let n = try LZ4Error.check(LZ4F_compressEnd(context, buffer.baseAddress, buffer.count, nil))
        try sink(UnsafeRawBufferPointer(start: buffer.baseAddress, count: n))
    }
}
