/// Accumulates indented Swift source.
struct CodePrinter {
    private(set) var text = ""
    private var indent = ""

    mutating func line(_ s: String = "") {
        text += s.isEmpty ? "\n" : indent + s + "\n"
    }

    mutating func block(_ opener: String, _ body: (inout CodePrinter) throws -> Void) rethrows {
        line(opener + " {")
        indent += "    "
        try body(&self)
        indent.removeLast(4)
        line("}")
    }
}
