import SwiftStream
import Testing

/// RFC 3339 handling as Go's `time.Parse(time.RFC3339, …)` and `Format(time.RFC3339)` in UTC.
@Suite struct TimestampTests {
    static let parsed: [(String, Int64, Int64)] = [
        ("2006-01-02T15:04:05Z", 1_136_214_245, 0),
        ("2006-01-02T15:04:05+07:00", 1_136_214_245 - 7 * 3600, 0),
        ("2006-01-02T15:04:05-01:30", 1_136_214_245 + 5400, 0),
        ("2006-01-02T15:04:05.5Z", 1_136_214_245, 500_000_000),
        ("2006-01-02T15:04:05.123456789Z", 1_136_214_245, 123_456_789),
        ("1970-01-01T00:00:00Z", 0, 0),
        ("1969-12-31T23:59:59Z", -1, 0),
        ("2024-02-29T12:00:00Z", 1_709_208_000, 0),
        ("2000-01-01T00:00:00Z", 946_684_800, 0),
    ]

    @Test("valid RFC 3339 timestamps", arguments: parsed)
    func parses(text: String, seconds: Int64, nanoseconds: Int64) {
        #expect(Timestamp.parseRFC3339(text) == Timestamp(seconds: seconds, nanoseconds: nanoseconds))
    }

    static let invalid = [
        "", "garbage", "2006-01-02T15:04:05", "2006-01-02", "2006-01-02 15:04:05Z", "2006-13-02T15:04:05Z",
        "2006-02-29T15:04:05Z", "2006-01-32T15:04:05Z", "2006-01-02T24:00:00Z", "2006-01-02T15:60:05Z",
        "2006-01-02T15:04:05.Z", "2006-01-02T15:04:05+0700", "2006-01-02T15:04:05Z trailing", "06-01-02T15:04:05Z",
    ]

    @Test("invalid timestamps are rejected", arguments: invalid)
    func rejects(text: String) {
        #expect(Timestamp.parseRFC3339(text) == nil)
    }

    @Test func formatsUTCWithSecondPrecision() {
        #expect(Timestamp(seconds: 0).rfc3339 == "1970-01-01T00:00:00Z")
        #expect(Timestamp(seconds: 1_136_214_245, nanoseconds: 999_999_999).rfc3339 == "2006-01-02T15:04:05Z")
        #expect(Timestamp(seconds: -1).rfc3339 == "1969-12-31T23:59:59Z")
        #expect(Timestamp(nanoseconds: -1).rfc3339 == "1969-12-31T23:59:59Z")
        #expect(Timestamp(seconds: 1_709_208_000).rfc3339 == "2024-02-29T12:00:00Z")
        #expect(Timestamp(seconds: 1_136_214_245, nanoseconds: 500_000_000).rfc3339Nano == "2006-01-02T15:04:05.5Z")
        #expect(Timestamp(seconds: 1_136_214_245).rfc3339Nano == "2006-01-02T15:04:05Z")
    }

    /// `generations` prints Go's zero time for a generation without objects.
    @Test func goZeroTimeIsRepresentable() {
        // A Timestamp that stores nanoseconds since 1970 in one Int64 only spans the years
        // 1677...2262, and `Timestamp.zero` (0001-01-01) then traps on first use, which would
        // kill this whole test process. Check the representation first so the failure is
        // reported instead of crashing.
        let zeroSeconds: Int64 = -62_135_596_800
        let overflows = zeroSeconds.multipliedReportingOverflow(by: 1_000_000_000).overflow
        if overflows && MemoryLayout<Timestamp>.size <= 8 {
            Issue.record(
                "Timestamp.zero (0001-01-01T00:00:00Z) overflows Int64 nanoseconds and traps; store seconds and nanoseconds separately"
            )
            return
        }
        #expect(Timestamp.zero.rfc3339 == "0001-01-01T00:00:00Z")
        #expect(Timestamp.zero < Timestamp(seconds: 0))
        #expect(Timestamp(seconds: 253_402_300_799).rfc3339 == "9999-12-31T23:59:59Z")
    }

    @Test func formatAndParseRoundTrip() throws {
        var seconds: Int64 = -2_208_988_800  // 1900-01-01
        while seconds < 4_102_444_800 {  // 2100-01-01
            let timestamp = Timestamp(seconds: seconds)
            #expect(Timestamp.parseRFC3339(timestamp.rfc3339) == timestamp)
            seconds += 86_400 * 37 + 3_661
        }
    }

    @Test func comparesInstantsRegardlessOfZone() throws {
        let utc = try #require(Timestamp.parseRFC3339("2026-11-22T01:00:00Z"))
        let paris = try #require(Timestamp.parseRFC3339("2026-11-22T02:00:00+01:00"))
        #expect(utc == paris)
        #expect(utc < Timestamp(seconds: utc.seconds, nanoseconds: 1))
        #expect(Timestamp.now() > utc || Timestamp.now() < utc)
    }
}
