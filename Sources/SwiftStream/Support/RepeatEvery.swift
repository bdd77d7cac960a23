/// Runs `body` every `interval` until the task is cancelled, the first time one interval from
/// now. A tick that comes late is not made up for (like Go's `time.Ticker`, which drops ticks).
/// Runs on the caller's actor, so `body` may use its state.
func repeatEvery(
    _ interval: Duration, isolation: isolated (any Actor)? = #isolation, _ body: () async -> Void
) async {
    let clock = ContinuousClock()
    var next = clock.now.advanced(by: interval)
    while true {
        do {
            try await clock.sleep(until: next)
        } catch {
            return
        }
        next = max(next.advanced(by: interval), clock.now)
        await body()
    }
}
