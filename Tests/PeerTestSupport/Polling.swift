/// What `waitUntil` throws when its deadline passes: names what it waited for and where.
public struct PollTimeout: Error, CustomStringConvertible {
    public let what: String
    public let timeout: Duration
    public let fileID: String
    public let line: Int

    public var description: String { "timed out after \(timeout) waiting until \(what) (\(fileID):\(line))" }
}

/// The one way tests wait: polls `condition` every `interval` until it holds, and throws
/// `PollTimeout` naming `what` once `timeout` has passed (a condition that holds at the first
/// check past the deadline still counts). `what` is evaluated only then, so it can show state
/// such as a log.
public func waitUntil(
    _ what: @autoclosure () -> String, timeout: Duration = .seconds(30), every interval: Duration = .milliseconds(50),
    isolation: isolated (any Actor)? = #isolation, fileID: String = #fileID, line: Int = #line,
    _ condition: () async throws -> Bool
) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while true {
        if try await condition() { return }
        if clock.now >= deadline { throw PollTimeout(what: what(), timeout: timeout, fileID: fileID, line: line) }
        try await Task.sleep(for: interval)
    }
}
