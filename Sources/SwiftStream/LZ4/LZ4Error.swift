import CLZ4

/// An LZ4 frame could not be encoded or decoded; `message` is liblz4's error name.
public struct LZ4Error: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { "lz4: \(message)" }

    static func check(_ code: Int) throws -> Int {
        if LZ4F_isError(code) != 0 { throw LZ4Error(message: String(cString: LZ4F_getErrorName(code))) }
        return code
    }
}
