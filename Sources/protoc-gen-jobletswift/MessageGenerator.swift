// Emits one message struct: stored properties, size, encode and decode.

struct MessageGenerator {
    let descriptor: DescriptorProto
    let fullName: String      // "joblet.Job"
    let swiftName: String     // "Joblet_Job" or "Outer.Inner"
    let types: TypeTable

    func generate(into p: inout CodePrinter) throws {
        let localName = swiftName.split(separator: ".").last.map(String.init) ?? swiftName
        let fields = try descriptor.fields.map { try FieldModel($0, types: types) }.sorted { $0.number < $1.number }
        let oneofNames = descriptor.oneofs.map { Naming.property($0) }
        let oneofTypes = descriptor.oneofs.map { "OneOf_" + Naming.upperCamel($0) }

        try p.block("public struct \(localName): ProtoMessage") { p in
            p.line("public static let protoMessageName = \"\(fullName)\"")
            p.line()
            for f in fields where f.oneofIndex == nil {
                switch f.shape {
                case .message: p.line("public var \(f.property): \(f.swiftType)?")
                case .scalar(let k): p.line("public var \(f.property): \(f.swiftType) = \(k.defaultValue)")
                case .repeatedScalar, .repeatedMessage: p.line("public var \(f.property): \(f.swiftType) = []")
                case .map: p.line("public var \(f.property): \(f.swiftType) = [:]")
                }
            }
            for (i, name) in oneofNames.enumerated() {
                p.line("public var \(name): \(oneofTypes[i])?")
            }
            p.line("public var unknownFields = UnknownFields()")
            p.line()
            p.line("public init() {}")
            for (i, _) in oneofNames.enumerated() {
                p.line()
                try generateOneof(i, name: oneofNames[i], type: oneofTypes[i], fields: fields.filter { $0.oneofIndex == i }, into: &p)
            }
            p.line()
            generateSize(fields, oneofNames: oneofNames, into: &p)
            p.line()
            generateEncode(fields, oneofNames: oneofNames, into: &p)
            p.line()
            generateDecode(fields, oneofNames: oneofNames, into: &p)
            try generateNested(into: &p)
        }
    }

    private func generateNested(into p: inout CodePrinter) throws {
        for e in descriptor.enums {
            p.line()
            EnumGenerator(descriptor: e, swiftName: swiftName + "." + e.name).generate(into: &p)
        }
        for n in descriptor.nested where !n.isMapEntry {
            p.line()
            try MessageGenerator(descriptor: n, fullName: fullName + "." + n.name,
                                 swiftName: swiftName + "." + n.name, types: types).generate(into: &p)
        }
    }

    /// The oneof's enum, plus one accessor per member that reads its default when another member is set.
    private func generateOneof(_ index: Int, name: String, type: String, fields: [FieldModel], into p: inout CodePrinter) throws {
        p.block("public enum \(type): Sendable, Hashable") { p in
            for f in fields { p.line("case \(f.property)(\(f.swiftType))") }
        }
        for f in fields {
            let def: String
            switch f.shape {
            case .scalar(let k): def = k.defaultValue
            case .message(let m): def = "\(m)()"
            default: throw GeneratorError("\(f.protoName): repeated fields cannot be in a oneof")
            }
            p.line()
            p.block("public var \(f.property): \(f.swiftType)") { p in
                p.line("get { if case .\(f.property)(let v)? = \(name) { return v }; return \(def) }")
                p.line("set { \(name) = .\(f.property)(newValue) }")
            }
        }
    }

    private func generateSize(_ fields: [FieldModel], oneofNames: [String], into p: inout CodePrinter) {
        p.block("public var serializedSize: Int") { p in
            if fields.isEmpty {
                p.line("unknownFields.count")
                return
            }
            p.line("var n = unknownFields.count")
            for f in fields {
                for line in sizeLines(f, oneofNames: oneofNames) { p.line(line) }
            }
            p.line("return n")
        }
    }

    private func sizeLines(_ f: FieldModel, oneofNames: [String]) -> [String] {
        let s = "self.\(f.property)"
        switch f.shape {
        case .scalar(let k):
            let ts = tagSize(f.tag(k.wireType))
            if let i = f.oneofIndex {
                return ["if case .\(f.property)(let v)? = self.\(oneofNames[i]) { n += \(ts) + \(k.size)(v) }"]
            }
            return ["if \(k.isSet(s)) { n += \(ts) + \(k.size)(\(s)) }"]
        case .message:
            let ts = tagSize(f.tag(2))
            if let i = f.oneofIndex {
                return ["if case .\(f.property)(let v)? = self.\(oneofNames[i]) { n += \(ts) + ProtoSize.message(v) }"]
            }
            return ["if let v = \(s) { n += \(ts) + ProtoSize.message(v) }"]
        case .repeatedScalar(let k) where k.packable:
            let ts = tagSize(f.tag(2))
            return ["if !\(s).isEmpty { n += \(ts) + ProtoSize.lengthDelimited(\(packedSize(k, s))) }"]
        case .repeatedScalar(let k):
            return ["for v in \(s) { n += \(tagSize(f.tag(2))) + \(k.size)(v) }"]
        case .repeatedMessage:
            return ["for v in \(s) { n += \(tagSize(f.tag(2))) + ProtoSize.message(v) }"]
        case .map(let key, let value):
            return ["for (k, v) in \(s) { n += \(tagSize(f.tag(2))) + ProtoSize.lengthDelimited(\(entrySize(key, value))) }"]
        }
    }

    private func packedSize(_ k: ScalarKind, _ s: String) -> String {
        if let w = k.fixedWidth { return "\(s).count &* \(w)" }
        return "\(s).reduce(0) { $0 &+ \(k.size)($1) }"
    }

    private func entrySize(_ key: ScalarKind, _ value: MapValue) -> String {
        let k = "\(tagSize(1 << 3 | key.wireType)) + \(key.size)(k)"
        switch value {
        case .scalar(let v): return "\(k) + \(tagSize(2 << 3 | v.wireType)) + \(v.size)(v)"
        case .message: return "\(k) + 1 + ProtoSize.message(v)"
        }
    }

    private func generateEncode(_ fields: [FieldModel], oneofNames: [String], into p: inout CodePrinter) {
        p.block("public func encodeMessage(to writer: inout ProtoWriter)") { p in
            for f in fields {
                for line in encodeLines(f, oneofNames: oneofNames) { p.line(line) }
            }
            p.line("writer.writeUnknown(unknownFields)")
        }
    }

    private func encodeLines(_ f: FieldModel, oneofNames: [String]) -> [String] {
        let s = "self.\(f.property)"
        switch f.shape {
        case .scalar(let k):
            let t = f.tag(k.wireType)
            if let i = f.oneofIndex {
                return ["if case .\(f.property)(let v)? = self.\(oneofNames[i]) { writer.writeTag(\(t)); writer.\(k.write)(v) }"]
            }
            return ["if \(k.isSet(s)) { writer.writeTag(\(t)); writer.\(k.write)(\(s)) }"]
        case .message:
            let t = f.tag(2)
            if let i = f.oneofIndex {
                return ["if case .\(f.property)(let v)? = self.\(oneofNames[i]) { writer.writeTag(\(t)); writer.writeMessage(v) }"]
            }
            return ["if let v = \(s) { writer.writeTag(\(t)); writer.writeMessage(v) }"]
        case .repeatedScalar(let k) where k.packable:
            return [
                "if !\(s).isEmpty {",
                "    writer.writeTag(\(f.tag(2)))",
                "    writer.writeVarint(UInt64(\(packedSize(k, s))))",
                "    for v in \(s) { writer.\(k.write)(v) }",
                "}",
            ]
        case .repeatedScalar(let k):
            return ["for v in \(s) { writer.writeTag(\(f.tag(2))); writer.\(k.write)(v) }"]
        case .repeatedMessage:
            return ["for v in \(s) { writer.writeTag(\(f.tag(2))); writer.writeMessage(v) }"]
        case .map(let key, let value):
            let writeValue: String
            switch value {
            case .scalar(let v): writeValue = "writer.writeTag(\(2 << 3 | v.wireType)); writer.\(v.write)(v)"
            case .message: writeValue = "writer.writeTag(\(2 << 3 | 2)); writer.writeMessage(v)"
            }
            return [
                "ProtoMapOrder.forEachSorted(\(s)) { k, v in",
                "    writer.writeTag(\(f.tag(2)))",
                "    writer.writeVarint(UInt64(\(entrySize(key, value))))",
                "    writer.writeTag(\(1 << 3 | key.wireType)); writer.\(key.write)(k)",
                "    \(writeValue)",
                "}",
            ]
        }
    }

    private func generateDecode(_ fields: [FieldModel], oneofNames: [String], into p: inout CodePrinter) {
        p.block("public mutating func decodeMessage(from reader: inout ProtoReader) throws") { p in
            if fields.isEmpty {
                p.line("while let tag = try reader.nextTag() { try reader.skipField(tag, into: &unknownFields) }")
                return
            }
            p.block("while let tag = try reader.nextTag()") { p in
                // A key with an unexpected wire type falls to default and is kept as unknown, as upb does.
                p.line("switch tag.rawValue {")
                for f in fields {
                    for line in decodeLines(f, oneofNames: oneofNames) { p.line(line) }
                }
                p.line("default: try reader.skipField(tag, into: &unknownFields)")
                p.line("}")
            }
        }
    }

    private func decodeLines(_ f: FieldModel, oneofNames: [String]) -> [String] {
        let s = "self.\(f.property)"
        switch f.shape {
        case .scalar(let k):
            if let i = f.oneofIndex {
                return ["case \(f.tag(k.wireType)): self.\(oneofNames[i]) = .\(f.property)(try reader.\(k.read)())"]
            }
            return ["case \(f.tag(k.wireType)): \(s) = try reader.\(k.read)()"]
        case .message(let m):
            if let i = f.oneofIndex {
                let o = "self.\(oneofNames[i])"
                return [
                    "case \(f.tag(2)):",
                    "    var v: \(m)",
                    "    if case .\(f.property)(let old)? = \(o) { v = old } else { v = \(m)() }",
                    "    try reader.readMessage(into: &v)",
                    "    \(o) = .\(f.property)(v)",
                ]
            }
            return ["case \(f.tag(2)): var v = \(s) ?? \(m)(); try reader.readMessage(into: &v); \(s) = v"]
        case .repeatedScalar(let k) where k.packable:
            let packed = k.fixedWidth.map { "try reader.readPackedFixed(into: &\(s), width: \($0)) { try $0.\(k.read)() }" }
                ?? "try reader.readPackedVarints(into: &\(s)) { try $0.\(k.read)() }"
            return [
                "case \(f.tag(k.wireType)): \(s).append(try reader.\(k.read)())",
                "case \(f.tag(2)): \(packed)",
            ]
        case .repeatedScalar(let k):
            return ["case \(f.tag(2)): \(s).append(try reader.\(k.read)())"]
        case .repeatedMessage(let m):
            return ["case \(f.tag(2)): var v = \(m)(); try reader.readMessage(into: &v); \(s).append(v)"]
        case .map(let key, let value):
            let readValue: String
            let valueTag: UInt32
            let valueDefault: String
            switch value {
            case .scalar(let v):
                readValue = "{ try $0.\(v.read)() }"; valueTag = 2 << 3 | v.wireType; valueDefault = v.defaultValue
            case .message(let m):
                readValue = "{ var m = \(m)(); try $0.readMessage(into: &m); return m }"; valueTag = 2 << 3 | 2; valueDefault = "\(m)()"
            }
            return [
                "case \(f.tag(2)):",
                "    try reader.readMapEntry(into: &\(s),",
                "        keyTag: \(1 << 3 | key.wireType), defaultKey: \(key.defaultValue), key: { try $0.\(key.read)() },",
                "        valueTag: \(valueTag), defaultValue: \(valueDefault), value: \(readValue))",
            ]
        }
    }
}
