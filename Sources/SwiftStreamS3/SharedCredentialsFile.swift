/// The AWS shared credentials file: `[profile]` sections of `key = value` lines; `#` and `;`
/// start comments.
enum SharedCredentialsFile {
    static func parse(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = rawLine.trimmingCharacters()
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                var name = String(line.dropFirst().dropLast()).trimmingCharacters()
                // ~/.aws/config spells sections "profile NAME"; the credentials file uses NAME.
                if name.hasPrefix("profile ") { name = String(name.dropFirst(8)).trimmingCharacters() }
                current = name
                if sections[name] == nil { sections[name] = [:] }
                continue
            }
            guard let section = current, let eq = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<eq]).trimmingCharacters().lowercased()
            var value = String(line[line.index(after: eq)...]).trimmingCharacters()
            // Inline comments need whitespace before the marker, as in the AWS SDKs.
            for marker in [" #", " ;", "\t#", "\t;"] {
                if let r = value.firstRange(of: marker) { value = String(value[..<r.lowerBound]).trimmingCharacters() }
            }
            sections[section, default: [:]][key] = value
        }
        return sections
    }
}
