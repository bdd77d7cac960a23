#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import SwiftStreamSystem
import Testing
@testable import SwiftStream

@Suite struct SwiftStreamErrorTests {
    @Test(arguments: [
        (ENOSPC, SwiftStreamError.Code.noSpace), (EDQUOT, .noSpace), (EACCES, .permissionDenied),
        (EPERM, .permissionDenied), (EROFS, .permissionDenied), (ENOENT, .notFound), (EIO, .io),
    ])
    func wrappingASystemErrorKeepsItsKindAndCause(errno: Int32, code: SwiftStreamError.Code) throws {
        let underlying = SystemError("write", "/data/app.db-litestream/x", errno: errno)
        let error = SwiftStreamError.wrap("cannot sync wal", underlying)
        #expect(error.code == code)
        #expect(error.message == "cannot sync wal: \(underlying)")
        let cause = try #require(error.cause as? SystemError)
        #expect(cause.errno == errno)
    }

    @Test func wrappingTwiceKeepsTheFirstCauseAndKind() throws {
        let underlying = SystemError("open", "/backups/x", errno: EACCES)
        let inner = SwiftStreamError.wrap("cannot open", underlying)
        let outer = SwiftStreamError.wrap("cannot restore", inner)
        #expect(outer.code == .permissionDenied)
        #expect(outer.description == "cannot restore: cannot open: open /backups/x: permission denied")
        #expect((outer.cause as? SystemError)?.path == "/backups/x")
    }

    @Test func sqliteAndLZ4FailuresAreClassified() {
        #expect(SwiftStreamError.wrap("x", SQLiteError(code: 13, message: "database or disk is full")).code == .noSpace)
        #expect(SwiftStreamError.wrap("x", SQLiteError(code: 11, message: "malformed")).code == .corrupt)
        #expect(SwiftStreamError.wrap("x", SQLiteError(code: 5, message: "busy")).code == .sqlite)
        #expect(SwiftStreamError.classify(LZ4Error(message: "bad frame")) == .corrupt)
    }

    @Test func equalityIgnoresTheCause() {
        let a = SwiftStreamError(.io, "x", cause: SystemError("read", "/a", errno: EIO))
        #expect(a == SwiftStreamError(.io, "x"))
        #expect(a != SwiftStreamError(.corrupt, "x"))
    }
}
