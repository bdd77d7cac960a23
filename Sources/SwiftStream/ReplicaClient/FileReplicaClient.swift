#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import SwiftStreamSystem
import SystemPackage

/// A replica in a local directory (Litestream's `file` replica type).
///
/// Objects are written to `<name>.tmp`, fsynced and renamed, so a listed object is always
/// complete and its mtime is its write time. Listing timestamps are file modification times.
public struct FileReplicaClient: ReplicaClient {
    public let root: String
    /// Mode for created files (Litestream copies the database file's mode).
    public var fileMode: mode_t
    /// Mode for created directories (Litestream copies the database directory's mode).
    public var directoryMode: mode_t

    public init(root: String, fileMode: mode_t = 0o644, directoryMode: mode_t = 0o755) {
        self.root = root
        self.fileMode = fileMode
        self.directoryMode = directoryMode
    }

    public var type: String { "file" }
    public var location: String { "file://\(root)" }

    private func path(_ relative: String) -> String { root + "/" + relative }

    public func generations() async throws -> [Generation] {
        let dir = path(ReplicaPaths.generationsDirectory)
        do {
            return try FileIO.listDirectory(dir).filter(\.isDirectory).compactMap { Generation($0.name) }
        } catch {
            throw SwiftStreamError.wrap("cannot list generations in \(location)", error)
        }
    }

    public func deleteGeneration(_ generation: Generation) async throws {
        try FileIO.removeTree(path(ReplicaPaths.generation(generation)))
    }

    private func modTime(_ file: String) throws -> (Int64, Timestamp)? {
        guard let st = try FileIO.fileStatus(file) else { return nil }
        return (Int64(st.st_size), Timestamp(st.st_mtim))
    }

    public func snapshots(in generation: Generation) async throws -> [SnapshotInfo] {
        let dir = path(ReplicaPaths.snapshots(generation))
        do {
            var result: [SnapshotInfo] = []
            for entry in try FileIO.listDirectory(dir) where !entry.isDirectory {
                guard let index = ReplicaPaths.parseSnapshotName(entry.name),
                    let (size, time) = try modTime(dir + "/" + entry.name)
                else { continue }
                result.append(SnapshotInfo(generation: generation, index: index, size: size, createdAt: time))
            }
            return result.sorted { $0.index < $1.index }
        } catch {
            throw SwiftStreamError.wrap("cannot list snapshots in \(dir)", error)
        }
    }

    public func walSegments(in generation: Generation) async throws -> [WALSegmentInfo] {
        let dir = path(ReplicaPaths.wal(generation))
        do {
            var result: [WALSegmentInfo] = []
            for entry in try FileIO.listDirectory(dir) where !entry.isDirectory {
                guard let (index, offset) = ReplicaPaths.parseWALSegmentName(entry.name),
                    let (size, time) = try modTime(dir + "/" + entry.name)
                else { continue }
                result.append(
                    WALSegmentInfo(generation: generation, index: index, offset: offset, size: size, createdAt: time))
            }
            return result.sorted { ($0.index, $0.offset) < ($1.index, $1.offset) }
        } catch {
            throw SwiftStreamError.wrap("cannot list wal segments in \(dir)", error)
        }
    }

    /// Writes `<final>.tmp` through `produce`, fsyncs and renames it to `final`.
    private func writeAtomically(
        _ final: String, produce: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void
    ) throws -> (Int64, Timestamp) {
        try FileIO.makeDirectories(Path.dirname(final), mode: directoryMode)
        let temp = final + ".tmp"
        let descriptor = try FileDescriptor.open(
            temp, .writeOnly, options: [.create, .truncate], permissions: FilePermissions(mode: fileMode))
        do {
            try produce { try descriptor.writeAll($0, path: temp) }
            try descriptor.sync(path: temp)
            descriptor.closeIgnoringErrors()  // fsynced: close has nothing left to report
        } catch {
            descriptor.closeIgnoringErrors()
            try? FileIO.remove(temp)
            throw error
        }
        try FileIO.rename(temp, final)
        guard let info = try modTime(final) else { throw SystemError("stat", final, errno: ENOENT) }
        return info
    }

    public func writeSnapshot(
        _ generation: Generation, index: Int,
        produce: (_ sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Void
    ) async throws -> SnapshotInfo {
        let final = path(ReplicaPaths.snapshots(generation) + "/" + ReplicaPaths.snapshotName(index: index))
        let (size, time) = try writeAtomically(final, produce: produce)
        return SnapshotInfo(generation: generation, index: index, size: size, createdAt: time)
    }

    public func deleteSnapshot(_ generation: Generation, index: Int) async throws {
        try FileIO.remove(path(ReplicaPaths.snapshots(generation) + "/" + ReplicaPaths.snapshotName(index: index)))
    }

    public func readSnapshot(
        _ generation: Generation, index: Int, chunk: (UnsafeRawBufferPointer) throws -> Void
    ) async throws {
        let file = path(ReplicaPaths.snapshots(generation) + "/" + ReplicaPaths.snapshotName(index: index))
        do {
            try FileDescriptor.withOpened(file) { try $0.readChunks(path: file, chunk) }
        } catch let error as SystemError where error.isNotFound && error.operation == "open" {
            throw SwiftStreamError(.notFound, "snapshot not found: \(file)", cause: error)
        }
    }

    public func writeWALSegment(at position: WALPosition, compressed: [UInt8]) async throws -> WALSegmentInfo {
        let final = path(
            ReplicaPaths.wal(position.generation) + "/"
                + ReplicaPaths.walSegmentName(index: position.index, offset: position.offset))
        let (size, time) = try writeAtomically(final) { sink in try compressed.withUnsafeBytes { try sink($0) } }
        return WALSegmentInfo(
            generation: position.generation, index: position.index, offset: position.offset, size: size,
            createdAt: time)
    }

    public func deleteWALSegments(_ positions: [WALPosition]) async throws {
        for p in positions {
            try FileIO.remove(
                path(
                    ReplicaPaths.wal(p.generation) + "/" + ReplicaPaths.walSegmentName(index: p.index, offset: p.offset)
                ))
        }
    }

    public func walSegment(at position: WALPosition) async throws -> [UInt8] {
        let file = path(
            ReplicaPaths.wal(position.generation) + "/"
                + ReplicaPaths.walSegmentName(index: position.index, offset: position.offset))
        do {
            return try FileIO.readAll(file)
        } catch let error as SystemError where error.isNotFound {
            throw SwiftStreamError(.notFound, "wal segment not found: \(file)", cause: error)
        }
    }
}
