/// POSIX `sh` quoting, for turning a command and its arguments into SkyPilot's `run` script.
public enum ShellQuoting {
    /// `word` as one shell word: unchanged when it holds only characters no shell treats
    /// specially, otherwise in single quotes with each `'` written as `'\''`.
    public static func quote(_ word: String) -> String {
        if word.isEmpty { return "''" }
        let safe = word.unicodeScalars.allSatisfy { c in
            switch c {
            case "a"..."z", "A"..."Z", "0"..."9", "_", "@", "%", "+", "=", ":", ",", ".", "/", "-": return true
            default: return false
            }
        }
        if safe { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// `command` and `args` as one command line that runs exactly that argv.
    public static func commandLine(_ command: String, _ args: [String]) -> String {
        ([command] + args).map(quote).joined(separator: " ")
    }
}
