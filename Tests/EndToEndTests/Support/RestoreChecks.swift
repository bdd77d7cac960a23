import SwiftStream
import SwiftStreamSystem
import Testing

/// A table printed by `snapshots`, `generations`, `wal` or `databases`: header and rows,
/// fields split on runs of spaces (no field contains a space).
struct CommandTable: Equatable, CustomStringConvertible {
    var header: [String]
    var rows: [[String]]

    init(_ output: String) {
        let lines = output.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        header = lines.first ?? []
        rows = Array(lines.dropFirst())
    }

    var description: String { ([header] + rows).map { $0.joined(separator: " | ") }.joined(separator: "\n") }

    /// The same table without the named column.
    func removing(column name: String) -> CommandTable {
        guard let index = header.firstIndex(of: name) else { return self }
        var copy = self
        copy.header.remove(at: index)
        copy.rows = rows.map { row in
            var row = row
            if index < row.count { row.remove(at: index) }
            return row
        }
        return copy
    }
}

/// Checks shared by the restore tests.
enum RestoreChecks {
    /// Paths of restore leftovers next to `output` (`O.tmp`, `O.tmp-wal`, `O.tmp-shm`,
    /// `O.tmp-<index>-wal`).
    static func leftovers(of output: String) throws -> [String] {
        let name = Path.basename(output)
        return try FileIO.listDirectory(Path.dirname(output)).map(\.name).filter { $0.hasPrefix(name + ".tmp") }
    }

    /// Restores with `tool` into a new file and returns its path, the result and (on success)
    /// the full digest. Records issues for swiftstream's extra promises (integrity, mode 0600).
    static func restore(
        _ tool: Tool, _ arguments: [String], into directory: String, label: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> (output: String, result: CommandResult, digest: DatabaseDigest?) {
        let output = "\(directory)/\(tool)-\(label).db"
        let result = try await tool.run(["restore", "-o", output] + arguments)
        guard result.status == .exited(0) else {
            Issue.record("\(tool) restore \(label) failed:\n\(result)", sourceLocation: sourceLocation)
            return (output, result, nil)
        }
        guard FileIO.exists(output) else {
            Issue.record(
                "\(tool) restore \(label) exited 0 but wrote nothing at \(output):\n\(result)",
                sourceLocation: sourceLocation)
            return (output, result, nil)
        }
        if tool == .swiftstream {
            let status = try FileIO.fileStatus(output)
            #expect(status.map { $0.st_mode & 0o777 } == 0o600, "mode of \(output)", sourceLocation: sourceLocation)
            #expect(!FileIO.exists(output + ".tmp"), "\(output).tmp left behind", sourceLocation: sourceLocation)
            let connection = try SQLiteConnection(path: output, readOnly: true)
            #expect(try connection.integrityCheck() == "ok", "integrity of \(output)", sourceLocation: sourceLocation)
        }
        return (output, result, try DatabaseDigest.compute(path: output))
    }

    /// Restores with both tools and expects identical content; returns Litestream's digest.
    @discardableResult
    static func compareRestores(
        _ arguments: [String], in directory: String, label: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> DatabaseDigest? {
        let reference = try await restore(
            .litestream, arguments, into: directory, label: label, sourceLocation: sourceLocation)
        let ours = try await restore(
            .swiftstream, arguments, into: directory, label: label, sourceLocation: sourceLocation)
        if let expected = reference.digest, let actual = ours.digest {
            #expect(actual == expected, "restore \(arguments.joined(separator: " "))", sourceLocation: sourceLocation)
        }
        return reference.digest
    }

    /// The promises for a rejected command: exit status 1, exactly one line on stderr that
    /// mentions every string in `mentions`, no crash output, and nothing at or next to `output`.
    static func expectCleanFailure(
        _ result: CommandResult, output: String?, mentions: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        #expect(result.status == .exited(1), "\(result)", sourceLocation: sourceLocation)
        let lines = result.errorLines
        #expect(lines.count == 1, "expected exactly one line on stderr:\n\(result)", sourceLocation: sourceLocation)
        let line = lines.first.map(String.init) ?? ""
        for mention in mentions {
            #expect(
                line.contains(mention), "stderr line should mention \(mention):\n\(result)",
                sourceLocation: sourceLocation)
        }
        for marker in ["Fatal error", "Backtrace", "Stack dump", "panic:", "goroutine ", "Program crashed"] {
            #expect(
                !result.standardError.contains(marker) && !result.standardOutput.contains(marker),
                "crash output (\(marker)):\n\(result)", sourceLocation: sourceLocation)
        }
        if let output {
            #expect(!FileIO.exists(output), "\(output) was created", sourceLocation: sourceLocation)
            #expect(try leftovers(of: output).isEmpty, "leftovers next to \(output)", sourceLocation: sourceLocation)
        }
    }

    /// A config file for `databasePath` replicated to `replicaPath`, written into `directory`.
    static func writeConfig(
        in directory: String, databasePath: String, replicaPath: String, name: String = "litestream.yml"
    )
        throws -> String
    {
        let path = directory + "/" + name
        try TestEnvironment.writeFile(path, Fixture.config(databasePath: databasePath, replicaPath: replicaPath))
        return path
    }
}
