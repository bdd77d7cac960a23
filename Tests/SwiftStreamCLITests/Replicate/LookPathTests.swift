import Testing
@testable import SwiftStreamCLI

@Suite struct LookPathTests {
    @Test func findsExecutablesLikeGo() throws {
        #expect(lookPathProblem("sh", path: "/nonexistent:/bin:/usr/bin") == nil)
        #expect(lookPathProblem("./anything") == nil, "a name with a slash is left to the spawn")
        #expect(
            lookPathProblem("sh", path: "/nonexistent") == "exec: \"sh\": executable file not found in $PATH")
        #expect(lookPathProblem("sh", path: "") == "exec: \"sh\": executable file not found in $PATH")
        #expect(lookPathProblem("passwd", path: "/etc") != nil, "not executable")
        #expect(lookPathProblem("bin", path: "/") != nil, "a directory")
    }
}
