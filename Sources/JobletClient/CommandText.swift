import Foundation

/// A command line for display: words quoted the way a POSIX shell would need them.
public enum CommandText {
    public static func render(_ command: String, _ args: [String]) -> String {
        ([command] + args).map(quote).joined(separator: " ")
    }

    static func quote(_ word: String) -> String {
        let safe = word.unicodeScalars.allSatisfy { c in
            c.properties.isAlphabetic || ("0"..."9").contains(c) || "-_./=:,+@%^".unicodeScalars.contains(c)
        }
        if safe && !word.isEmpty { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
