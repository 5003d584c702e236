// Emits `enum Pkg_Svc { static let descriptor; enum Method { static let method… } }`.

struct ServiceGenerator {
    let descriptor: ServiceDescriptorProto
    let package: String

    var fullName: String { package.isEmpty ? descriptor.name : package + "." + descriptor.name }
    var swiftName: String { Naming.packagePrefix(package) + descriptor.name }

    func generate(into p: inout CodePrinter) {
        p.block("public enum \(swiftName)") { p in
            let methods = descriptor.methods.map { Naming.quoted(Naming.lowerCamel($0.name)) }
            p.line("public static let descriptor = ServiceDescriptor(name: \"\(fullName)\", methods: [")
            for m in methods { p.line("    Method.\(m),") }
            p.line("])")
            p.line()
            p.block("public enum Method") { p in
                for (i, m) in descriptor.methods.enumerated() {
                    p.line("public static let \(methods[i]) = MethodDescriptor(")
                    p.line("    service: \"\(fullName)\", method: \"\(m.name)\",")
                    p.line("    clientStreaming: \(m.clientStreaming), serverStreaming: \(m.serverStreaming),")
                    p.line("    inputType: \"\(m.inputType.drop(while: { $0 == "." }))\", outputType: \"\(m.outputType.drop(while: { $0 == "." }))\")")
                }
            }
        }
    }
}
