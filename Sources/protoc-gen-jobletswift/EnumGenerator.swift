// Emits a proto3 open enum: declared cases plus UNRECOGNIZED for any other number.

struct EnumGenerator {
    let descriptor: EnumDescriptorProto
    let swiftName: String

    func generate(into p: inout CodePrinter) {
        let localName = swiftName.split(separator: ".").last.map(String.init) ?? swiftName
        // Aliases (a number declared twice) decode to the first name.
        var seen = Set<Int32>()
        let cases = descriptor.values.map { (name: Naming.enumCase($0.name, enumName: descriptor.name), number: $0.number) }
        let unique = cases.filter { seen.insert($0.number).inserted }
        let zero = unique.first { $0.number == 0 } ?? unique.first

        p.block("public enum \(localName): ProtoEnum") { p in
            for c in cases { p.line("case \(c.name) // = \(c.number)") }
            p.line("case UNRECOGNIZED(Int32)")
            p.line()
            if let zero {
                p.line("public init() { self = .\(zero.name) }")
            } else {
                p.line("public init() { self = .UNRECOGNIZED(0) }")
            }
            p.line()
            p.block("public init(rawValue: Int32)") { p in
                p.line("switch rawValue {")
                for c in unique { p.line("case \(c.number): self = .\(c.name)") }
                p.line("default: self = .UNRECOGNIZED(rawValue)")
                p.line("}")
            }
            p.line()
            p.block("public var rawValue: Int32") { p in
                p.line("switch self {")
                for c in cases { p.line("case .\(c.name): return \(c.number)") }
                p.line("case .UNRECOGNIZED(let v): return v")
                p.line("}")
            }
        }
    }
}
