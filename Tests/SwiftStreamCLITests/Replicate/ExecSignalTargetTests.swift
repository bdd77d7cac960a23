import Testing

@testable import SwiftStreamCLI

@Suite struct ExecSignalTargetTests {
    @Test func defaultsToTheProcessGroup() throws {
        #expect(try ExecSignalTarget(environmentValue: nil) == .group)
        #expect(try ExecSignalTarget(environmentValue: "") == .group)
        #expect(try ExecSignalTarget(environmentValue: "group") == .group)
        #expect(try ExecSignalTarget(environmentValue: "process") == .process)
    }

    @Test func rejectsOtherValues() {
        let error = #expect(throws: (any Error).self) { try ExecSignalTarget(environmentValue: "Group") }
        #expect("\(error.map { "\($0)" } ?? "")".contains(#"invalid SWIFTSTREAM_EXEC_SIGNAL "Group""#))
    }
}
