/// Lowercase, zero-padded hex as Litestream formats indices and offsets.
public enum Hex {
    /// `%08x`.
    public static func format8(_ value: Int) -> String {
        let s = String(value, radix: 16)
        return s.count >= 8 ? s : String(repeating: "0", count: 8 - s.count) + s
    }

    /// Parses exactly 8 lowercase hex digits.
    public static func parse8(_ s: Substring) -> Int? {
        guard s.utf8.count == 8, s.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) else {
            return nil
        }
        return Int(s, radix: 16)
    }
}
