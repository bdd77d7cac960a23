import SwiftStreamSystem
import SystemPackage

/// The net effect of all WAL indices on the snapshot, kept in memory: the final image of every
/// page the WAL wrote, and the truncations in between. Applying it while the snapshot streams
/// writes each page of the output once.
struct PageOverlay: PageSink {
    private(set) var pageSize = 0
    private(set) var pages: [UInt32: [UInt8]] = [:]
    /// Smallest size (pages) any index truncated to: snapshot pages above it are gone (zeros
    /// unless the WAL wrote them again).
    private(set) var smallestSize: Int?
    /// Size (pages) after the last index with a commit.
    private(set) var finalSize: Int?
    private var highestPage: UInt32 = 0

    mutating func write(page: UInt32, _ data: UnsafeRawBufferPointer, pageSize: Int) throws {
        self.pageSize = pageSize
        pages[page] = Array(data)
        highestPage = max(highestPage, page)
    }

    mutating func truncate(pages count: Int, pageSize: Int) throws {
        self.pageSize = pageSize
        if Int(highestPage) > count {
            pages = pages.filter { Int($0.key) <= count }
            highestPage = pages.keys.max() ?? 0
        }
        smallestSize = min(smallestSize ?? count, count)
        finalSize = count
    }

    /// Whether bytes `[offset, offset+count)` of the snapshot need changes.
    func touches(offset: Int, count: Int) -> Bool {
        guard pageSize > 0 else { return false }
        if let smallestSize, offset + count > smallestSize * pageSize { return true }
        let first = offset / pageSize + 1
        let last = (offset + count - 1) / pageSize + 1
        if last - first + 1 < pages.count {
            return (first...last).contains { pages[UInt32($0)] != nil }
        }
        return pages.keys.contains { Int($0) >= first && Int($0) <= last }
    }

    /// Rewrites snapshot bytes `buffer` (at file offset `offset`) with the overlay; returns how
    /// many leading bytes belong in the output (bytes past the final size are dropped).
    func merge(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        let end = offset + buffer.count
        var limit = buffer.count
        if let finalSize { limit = max(0, min(buffer.count, finalSize * pageSize - offset)) }
        var page = offset / pageSize + 1
        while (page - 1) * pageSize < end {
            let pageStart = (page - 1) * pageSize
            let from = max(pageStart, offset)
            let to = min(pageStart + pageSize, end)
            let target = UnsafeMutableRawBufferPointer(rebasing: buffer[(from - offset)..<(to - offset)])
            if let image = pages[UInt32(page)] {
                image.withUnsafeBytes { source in
                    target.copyMemory(
                        from: UnsafeRawBufferPointer(rebasing: source[(from - pageStart)..<(to - pageStart)]))
                }
            } else if let smallestSize, page > smallestSize {
                target.initializeMemory(as: UInt8.self, repeating: 0)
            }
            page += 1
        }
        return limit
    }

    /// After the snapshot: writes pages beyond its end and sets the final size.
    func finish(fd: FileDescriptor, path: String, snapshotLength: Int) throws {
        guard pageSize > 0 else { return }
        for (page, image) in pages.sorted(by: { $0.key < $1.key }) where Int(page - 1) * pageSize >= snapshotLength {
            try image.withUnsafeBytes { try fd.writeAll($0, at: Int(page - 1) * pageSize, path: path) }
        }
        if let finalSize { try fd.truncate(to: finalSize * pageSize, path: path) }
    }
}
