import CLZ4

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
