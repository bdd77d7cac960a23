import SwiftStream
import Testing
@testable import SwiftStreamCLI

@Suite struct GoDurationTests {
    @Test(arguments: [
        ("0", Int64(0)), ("-0", 0), ("+0", 0), ("1s", 1_000_000_000), ("1.5s", 1_500_000_000),
        ("1h30m", 5_400_000_000_000), ("10ns", 10), ("1us", 1_000), ("1µs", 1_000), ("1μs", 1_000),
        ("3ms", 3_000_000), ("-2m", -120_000_000_000), (".5s", 500_000_000), ("1.s", 1_000_000_000),
        ("24h", 86_400_000_000_000), ("1h1m1s1ms1us1ns", 3_661_001_001_001),
        ("2562047h47m16.854775807s", Int64.max), ("-2562047h47m16.854775808s", Int64.min),
    ])
    func parsesGoSyntax(text: String, nanoseconds: Int64) throws {
        #expect(try GoDuration.parse(text) == nanoseconds)
    }

    @Test(arguments: [
        ("", "time: invalid duration \"\""), ("1", "time: missing unit in duration \"1\""),
        ("1d", "time: unknown unit \"d\" in duration \"1d\""), ("-", "time: invalid duration \"-\""),
        (".s", "time: invalid duration \".s\""), ("s", "time: invalid duration \"s\""),
        ("9999999999h", "time: invalid duration \"9999999999h\""),
        ("1w", "time: unknown unit \"w\" in duration \"1w\""),
    ])
    func rejectsInvalid(text: String, message: String) {
        #expect(throws: GoDuration.ParseError(description: message)) { try GoDuration.parse(text) }
    }

    @Test(arguments: [
        (Int64(0), "0s"), (1, "1ns"), (999, "999ns"), (1_000, "1µs"), (1_500, "1.5µs"), (532_000, "532µs"),
        (1_500_000, "1.5ms"), (3_200_000_000, "3.2s"), (11_000_000_000, "11s"), (61_000_000_000, "1m1s"),
        (3_600_000_000_000, "1h0m0s"), (58_740_000_000_000, "16h19m0s"), (-3_000_000, "-3ms"),
        (Int64.max, "2562047h47m16.854775807s"), (Int64.min, "-2562047h47m16.854775808s"),
    ])
    func formatsLikeGo(nanoseconds: Int64, text: String) {
        #expect(GoDuration.format(nanoseconds) == text)
    }

    @Test(arguments: [
        (Int64(12_345_678_901), Int64(12_000_000_000)),  // > 10s: whole seconds
        (10_000_000_000, 10_000_000_000),  // exactly 10s: 100ms steps
        (3_256_000_000, 3_200_000_000),  // 1s < d <= 10s: 100ms
        (1_000_000_000, 1_000_000_000),  // exactly 1s: ms steps
        (532_123_456, 532_000_000),  // 1ms < d <= 1s: ms
        (1_000_000, 1_000_000),  // exactly 1ms: µs steps
        (532_123, 532_000),  // 1µs < d <= 1ms: µs
        (999, 999),  // below: unchanged
        (-12_345_678_901, -12_000_000_000), (-3_256_000_000, -3_200_000_000), (-3_456_789, -3_000_000),
        (-532_123, -532_000),
    ])
    func truncatesLagTowardZero(input: Int64, expected: Int64) {
        #expect(GoDuration.truncateLag(input) == expected)
    }
}
