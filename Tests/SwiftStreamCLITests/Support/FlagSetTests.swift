import Testing
@testable import SwiftStreamCLI

@Suite struct FlagSetTests {
    static let flags = FlagSet([
        .init(name: "config", kind: .string, placeholder: "PATH", help: ""),
        .init(name: "no-expand-env", kind: .bool, placeholder: "", help: ""),
        .init(name: "parallelism", kind: .int, placeholder: "NUM", help: ""),
        .init(name: "index", kind: .hexIndex, placeholder: "NUM", help: ""),
        .init(name: "o", kind: .string, placeholder: "PATH", help: ""),
    ])

    @Test(arguments: [
        ["-config", "x.yml", "db"], ["--config", "x.yml", "db"], ["-config=x.yml", "db"], ["--config=x.yml", "db"],
    ])
    func stringFlagForms(arguments: [String]) throws {
        let parsed = try Self.flags.parse(arguments)
        #expect(parsed.string("config") == "x.yml")
        #expect(parsed.positionals == ["db"])
    }

    @Test func booleanForms() throws {
        #expect(try Self.flags.parse(["-no-expand-env"]).bool("no-expand-env"))
        #expect(try Self.flags.parse(["--no-expand-env=true"]).bool("no-expand-env"))
        #expect(try Self.flags.parse(["-no-expand-env=1"]).bool("no-expand-env"))
        #expect(try !Self.flags.parse(["-no-expand-env=false"]).bool("no-expand-env"))
        // `-flag false` leaves `false` as a positional argument, as in Go.
        let parsed = try Self.flags.parse(["-no-expand-env", "false"])
        #expect(parsed.bool("no-expand-env") && parsed.positionals == ["false"])
        #expect(throws: FlagSet.Failure.invalid("invalid boolean value \"maybe\" for -no-expand-env: parse error")) {
            try Self.flags.parse(["-no-expand-env=maybe"])
        }
    }

    @Test func flagsStopAtTheFirstPositional() throws {
        let parsed = try Self.flags.parse(["-o", "out.db", "db", "-config", "x.yml"])
        #expect(parsed.string("o") == "out.db")
        #expect(parsed.string("config") == nil)
        #expect(parsed.positionals == ["db", "-config", "x.yml"])
        #expect(try Self.flags.parse(["--", "-config"]).positionals == ["-config"])
        #expect(try Self.flags.parse(["-", "x"]).positionals == ["-", "x"])
    }

    @Test func valuesMayStartWithADash() throws {
        #expect(try Self.flags.parse(["-o", "-weird"]).string("o") == "-weird")
    }

    @Test(arguments: [
        (["-x"], FlagSet.Failure.invalid("flag provided but not defined: -x")),
        (["--unknown=1"], .invalid("flag provided but not defined: -unknown")),
        (["-h"], .help), (["-help"], .help), (["--help"], .help),
        (["-config"], .invalid("flag needs an argument: -config")),
        (["---config"], .invalid("bad flag syntax: ---config")),
        (["-=x"], .invalid("bad flag syntax: -=x")),
        (["-parallelism", "many"], .invalid("invalid value \"many\" for flag -parallelism: parse error")),
        (
            ["-parallelism", "99999999999999999999"],
            .invalid("invalid value \"99999999999999999999\" for flag -parallelism: value out of range")
        ),
        (["-index", "0x10"], .invalid("invalid value \"0x10\" for flag -index: invalid hexadecimal format")),
        (["-index", "100000000"], .invalid("invalid value \"100000000\" for flag -index: invalid hexadecimal format")),
    ])
    func failures(arguments: [String], failure: FlagSet.Failure) {
        #expect(throws: failure) { try Self.flags.parse(arguments) }
    }

    @Test(arguments: [("10", 10), ("0x1f", 31), ("017", 15), ("0o17", 15), ("0b11", 3), ("-3", -3), ("1_0", nil)])
    func goIntegerSyntax(text: String, value: Int?) {
        let result = try? FlagSet.parseGoInt(text).get()
        #expect(result == value)
    }

    @Test(arguments: [("1a", 26), ("00000010", 16), ("FF", 255), ("7fffffff", Int(Int32.max)), ("-1", -1)])
    func hexIndices(text: String, value: Int) throws {
        #expect(try Self.flags.parse(["-index", text]).int("index") == value)
    }
}

@Suite struct TableWriterTests {
    @Test func padsEveryColumnButTheLast() {
        var table = TableWriter(header: ["replica", "generation", "index", "size", "created"])
        table.append(["s3", "5dfeb4aa03232553", "24", "1389251", "2021-11-30T04:38:34Z"])
        #expect(
            table.rendered == """
                replica  generation        index  size     created
                s3       5dfeb4aa03232553  24     1389251  2021-11-30T04:38:34Z

                """
        )
    }

    @Test func headerOnlyAndUnicodeWidths() {
        #expect(TableWriter(header: ["path", "replicas"]).rendered == "path  replicas\n")
        var table = TableWriter(header: ["name", "x"])
        table.append(["µé", "1"])
        table.append(["", "2"])
        #expect(table.rendered == "name  x\nµé    1\n      2\n")
    }
}
