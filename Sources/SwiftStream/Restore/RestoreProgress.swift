/// Progress of a running restore, for the terminal progress line.
public struct RestoreProgress: Sendable {
    /// Compressed bytes read from the replica so far / in total.
    public var bytesDone: Int64
    public var bytesTotal: Int64
    /// WAL segments applied so far / in total.
    public var segmentsDone: Int
    public var segmentsTotal: Int
}
