/// The read buffer and LZ4 encoder of a replica's uploads, kept between segments (see
/// `ScratchBuffer`). Not `Sendable`: owned by one `Replica` actor, or local to one snapshot.
final class SegmentBuffers {
    let scratch = ScratchBuffer(capacity: 1 << 20)
    let encoder: LZ4FrameEncoder

    init() throws { encoder = try LZ4FrameEncoder() }
}
