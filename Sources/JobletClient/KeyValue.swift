/// `KEY=VALUE` arguments (`--env`, `--secret-env`): split at the first `=`; the value may be
/// empty or hold more `=`; a later KEY replaces an earlier one.
public enum KeyValue {
    public static func parse(_ items: [String], flag: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for item in items {
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
                // Echo only what precedes '=', so a malformed secret never reaches a terminal or log.
                let shown = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
                throw JobletClientError("bad \(flag) '\(shown)\(item.contains("=") ? "=…" : "")': expected KEY=VALUE")
            }
            result[String(item[..<eq])] = String(item[item.index(after: eq)...])
        }
        return result
    }
}
