import Logging
import SwiftStream
import Synchronization

/// The one-line restore progress display on a terminal's stderr, redrawn with `\r`.
final class ProgressLine: Sendable {
    private let sink: any OutputSink
    private let start = Timestamp.now()
    /// Whether anything was drawn (so `finish()` ends the line).
    private let drawn = Mutex(false)
    /// When the line was last drawn (nanoseconds since the epoch): at most ten redraws a second.
    private let lastDraw = Mutex<Int64>(0)

    init(sink: any OutputSink) { self.sink = sink }

    func update(_ progress: RestoreProgress) {
        let now = Timestamp.now().nanoseconds
        let finished = progress.segmentsDone == progress.segmentsTotal && progress.bytesDone >= progress.bytesTotal
        let due = lastDraw.withLock { last in
            guard finished || now - last >= 100_000_000 else { return false }
            last = now
            return true
        }
        guard due else { return }
        draw(
            bytesDone: progress.bytesDone, bytesTotal: progress.bytesTotal, segmentsDone: progress.segmentsDone,
            segmentsTotal: progress.segmentsTotal
        )
    }

    /// Redraws the line: `restoring: 1.5/3.0 MB, wal segments 1/4, 2.0 MB/s`.
    func draw(bytesDone: Int64, bytesTotal: Int64, segmentsDone: Int, segmentsTotal: Int) {
        let elapsed = Double(Timestamp.now().nanoseconds - start.nanoseconds) / 1e9
        let megabytes = Double(bytesDone) / 1_000_000
        let rate = elapsed > 0 ? megabytes / elapsed : 0
        let line =
            "\rrestoring: \(Self.decimal(megabytes, 1))/\(Self.decimal(Double(bytesTotal) / 1_000_000, 1)) MB"
            + ", wal segments \(segmentsDone)/\(segmentsTotal)"
            + ", \(Self.decimal(rate, 1)) MB/s\u{1B}[K"
        drawn.withLock { $0 = true }
        sink.write(line)
    }

    func finish() {
        if drawn.withLock({ $0 }) { sink.write("\n") }
    }

    /// `value` with `digits` decimals, without Foundation's `String(format:)`.
    static func decimal(_ value: Double, _ digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int64((value * scale).rounded())
        let whole = scaled / Int64(scale)
        var fraction = String(abs(scaled % Int64(scale)))
        fraction = String(repeating: "0", count: max(0, digits - fraction.count)) + fraction
        return digits == 0 ? String(whole) : "\(whole).\(fraction)"
    }
}
