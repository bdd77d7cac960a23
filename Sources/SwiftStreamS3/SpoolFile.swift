#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import SwiftStream
import SwiftStreamSystem
import SystemPackage

/// A temporary file that snapshot downloads land in, so that a retried request can refetch the
/// whole object without handing the caller the same bytes twice.
final class SpoolFile {
    let path: String

    /// Creates an empty file with a new random name in `directory` (mode 0600, never an
    /// existing file).
    init(directory: String) throws {
        path = try Self.create(in: directory)
    }

    private static func create(in directory: String) throws -> String {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<8 {
            let candidate = "\(directory)/swiftstream-s3-\(String(rng.next() as UInt64, radix: 36)).tmp"
            do {
                try FileDescriptor.open(
                    candidate, .readWrite, options: [.create, .exclusiveCreate], permissions: .ownerReadWrite
                ).closeIgnoringErrors()
                return candidate
            } catch {
                if error.errno != EEXIST { throw error }
            }
        }
        throw SwiftStreamError(.io, "cannot create a temporary file in \(directory)")
    }

    func remove() {
        unlink(path)
    }

    /// Passes the whole file to `chunk` in 1 MiB pieces.
    func stream(_ chunk: (UnsafeRawBufferPointer) throws -> Void) throws {
        try FileDescriptor.withOpened(path) { try $0.readChunks(path: path, chunk) }
    }
}
