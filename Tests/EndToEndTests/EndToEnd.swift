import Testing

/// Every end-to-end suite is nested in this one: they share one Litestream-made fixture and
/// spawn many processes, so they run one at a time on our small shared machines.
@Suite(.serialized, .timeLimit(.minutes(10)))
enum EndToEnd {}
