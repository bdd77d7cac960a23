import SwiftStream
import Testing
@testable import SwiftStreamCLI

@Suite struct LogFormatterTests {
    static let time = Timestamp(seconds: 1_698_159_077, nanoseconds: 123_456_789)

    @Test func textFormat() throws {
        let line = LogFormatter.line(
            format: .text, time: Self.time, level: .info, message: "wal segment written",
            metadata: ["replica": "s3", "db": "/data/app.db", "error": "x y", "a": "", "b": "k=v"]
        )
        let match = try #require(line.wholeMatch(of: /time=(\S+) level=INFO (.*)\n/))
        #expect(match.1.contains(/^2023-10-2[45]T\d\d:\d\d:17\.123(Z|[+-]\d\d:\d\d)$/))
        #expect(match.2 == "msg=\"wal segment written\" db=/data/app.db replica=s3 a=\"\" b=\"k=v\" error=\"x y\"")
    }

    @Test func jsonFormat() throws {
        let line = LogFormatter.line(
            format: .json, time: Self.time, level: .warning, message: "cannot \"sync\"",
            metadata: ["db": "/d", "index": .stringConvertible(3)]
        )
        let match = try #require(line.wholeMatch(of: /\{"time":"([^"]+)",(.*)\}\n/))
        #expect(match.1.contains(/\.123456789/))
        #expect(match.2 == "\"level\":\"WARN\",\"msg\":\"cannot \\\"sync\\\"\",\"db\":\"/d\",\"index\":3")
    }

    /// slog's JSON handler writes integers and booleans bare and a `time.Duration` as nanoseconds;
    /// the text format shows the same values as before (`1s`, `354`).
    @Test func typedValuesAreJSONNumbersAndTextStaysTheSame() throws {
        let lines = [LogSettings.Format.json, .text].map { format in
            LogFormatter.line(
                format: format, time: Self.time, level: .info, message: "m",
                metadata: [
                    "replica": "s3", "sz": .stringConvertible(Int64(354)), "delay_ms": .stringConvertible(UInt64(5)),
                    "pid": .stringConvertible(Int32(42)), "ok": .stringConvertible(true),
                    "sync-interval": .stringConvertible(LoggedDuration(.seconds(1))), "index": "7",
                ])
        }
        #expect(
            lines[0].hasSuffix(
                "\"msg\":\"m\",\"replica\":\"s3\",\"index\":\"7\",\"delay_ms\":5,\"ok\":true,\"pid\":42,"
                    + "\"sync-interval\":1000000000,\"sz\":354}\n"))
        #expect(lines[1].hasSuffix(" msg=m replica=s3 index=7 delay_ms=5 ok=true pid=42 sync-interval=1s sz=354\n"))
    }

    @Test func goDefaultFormat() throws {
        let line = LogFormatter.line(
            format: .goDefault, time: Self.time, level: .error, message: "failed to run",
            metadata: ["error": "no matching backups found"]
        )
        #expect(
            line.contains(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d ERROR failed to run error="no matching backups found"\n$/))
    }

    @Test(arguments: [
        ("plain", "plain"), ("", "\"\""), ("a b", "\"a b\""), ("a=b", "\"a=b\""), ("q\"", "\"q\\\"\""),
        ("line\nbreak", "\"line\\nbreak\""), ("back\\slash", "back\\slash"), ("µs", "µs"), ("\u{01}", "\"\\x01\""),
    ])
    func quotesValuesLikeSlog(value: String, rendered: String) {
        #expect(LogFormatter.textValue(value) == rendered)
    }

    @Test func levelNames() {
        #expect(
            [.trace, .debug, .info, .notice, .warning, .error, .critical].map(LogFormatter.name(of:))
                == ["DEBUG", "DEBUG", "INFO", "INFO", "WARN", "ERROR", "ERROR"]
        )
    }

    @Test func outputFollowsLevelAndDestination() {
        let out = BufferSink()
        let err = BufferSink()
        let log = LogOutput(standardOutput: out, standardError: err)
        let logger = log.logger()
        logger.debug("hidden")
        logger.info("shown", metadata: ["db": "/x"])
        #expect(out.text.isEmpty && err.text.hasSuffix(" INFO shown db=/x\n"))
        log.configure(LogSettings(format: .text, level: .warning, destination: .standardOutput))
        logger.info("hidden")
        logger.warning("warned")
        #expect(out.text.contains("level=WARN msg=warned\n") && !out.text.contains("hidden"))
    }
}
