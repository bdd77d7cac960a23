/// Go's `text/tabwriter` as Litestream configures it (min width 0, tab width 8, padding 2,
/// space padding, no flags) for rows that all have the same number of cells
/// (cli-and-config.md §2.8).
///
/// Every cell but the last of a line is padded with spaces to the widest cell of its column
/// (header included, counted in Unicode code points) plus 2; the last cell is unpadded.
struct TableWriter {
    private(set) var rows: [[String]]

    init(header: [String]) { rows = [header] }

    mutating func append(_ row: [String]) { rows.append(row) }

    /// The whole table, each line ending with `\n`.
    var rendered: String {
        var widths: [Int] = []
        for row in rows {
            for (column, cell) in row.enumerated().dropLast() {
                let width = cell.unicodeScalars.count
                if column < widths.count {
                    widths[column] = max(widths[column], width)
                } else {
                    widths.append(width)
                }
            }
        }
        var out = ""
        for row in rows {
            for (column, cell) in row.enumerated() {
                out += cell
                if column < row.count - 1 {
                    out += String(repeating: " ", count: widths[column] + 2 - cell.unicodeScalars.count)
                }
            }
            out += "\n"
        }
        return out
    }
}
