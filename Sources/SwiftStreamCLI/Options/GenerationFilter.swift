import SwiftStream

/// A `-generation` flag.
enum GenerationFilter {
    /// No flag (or an empty one).
    case all
    case only(Generation)
    /// Text that is not a generation id, so it names no generation.
    case unmatchable

    init(_ text: String?) {
        guard let text, !text.isEmpty else {
            self = .all
            return
        }
        self = Generation(text).map { .only($0) } ?? .unmatchable
    }
}
