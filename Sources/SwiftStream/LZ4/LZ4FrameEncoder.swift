import CLZ4

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
