#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import SwiftStreamSystem
import SystemPackage
import Testing

@Suite struct FileDescriptorTests {
    private func temporaryDirectory() throws -> String {
        var template = Array("/tmp/swst-fd-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }
        let pointer = try #require(made)
        return String(cString: pointer)
    }

    @Test func writesReadsAndStreamsAcrossChunkBoundaries() throws {
        let directory = try temporaryDirectory()
        defer { try? FileIO.removeTree(directory) }
        let path = directory + "/data"
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try FileIO.write(bytes, to: path, permissions: .ownerReadWrite)
        #expect(try FileIO.readAll(path) == bytes)
        #expect(try FileIO.fileStatus(path).map { $0.st_mode & 0o777 } == 0o600)

        var chunks: [Int] = []
        var streamed: [UInt8] = []
        try FileDescriptor.withOpened(path) { descriptor in
            try descriptor.readChunks(from: 100, path: path, chunkSize: 4096) { chunk in
                chunks.append(chunk.count)
                streamed.append(contentsOf: chunk)
            }
            #expect(try descriptor.read(count: 50, at: 9_990, path: path) == Array(bytes[9_990...]))
        }
        #expect(chunks == [4096, 4096, 1708])
        #expect(streamed == Array(bytes[100...]))
    }

    @Test func readAllReadsFilesWhoseSizeIsNotReported() throws {
        let text = String(decoding: try FileIO.readAll("/proc/self/status"), as: UTF8.self)
        #expect(text.hasPrefix("Name:"))
        #expect(text.contains("\nPid:"))
    }

    @Test func failuresNameTheOperationAndThePath() throws {
        let error = try #require(throws: SystemError.self) {
            try FileDescriptor.open("/nonexistent/swst-missing", .readOnly)
        }
        #expect(error.description == "open /nonexistent/swst-missing: no such file or directory")
        #expect(error.code == .noSuchFileOrDirectory)
        #expect(error.isNotFound)
    }

    @Test func retryingInterruptsReturnsTheResultOrThrowsTheErrno() throws {
        #expect(try retryingInterrupts("getpid", "") { getpid() } == getpid())
        let error = try #require(throws: SystemError.self) {
            try retryingInterrupts("close", "fd 9999") { close(9999) }
        }
        #expect(error.errno == EBADF)
        #expect(error.description == "close fd 9999: bad file descriptor")
    }
}
