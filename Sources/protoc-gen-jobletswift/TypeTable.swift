// Every message and enum of every file protoc sent, by fully qualified name, so a field's
// type_name (".joblet.HostInfo") resolves to its Swift name and shape.

struct TypeTable {
    enum Entry {
        case message(swiftName: String, descriptor: DescriptorProto)
        case enumeration(swiftName: String)
    }
    private(set) var entries: [String: Entry] = [:]   // keys without the leading dot

    init(files: [FileDescriptorProto]) {
        for file in files {
            let prefix = Naming.packagePrefix(file.package)
            let scope = file.package.isEmpty ? "" : file.package + "."
            for m in file.messages { addMessage(m, fullName: scope + m.name, swiftName: prefix + m.name) }
            for e in file.enums { entries[scope + e.name] = .enumeration(swiftName: prefix + e.name) }
        }
    }

    private mutating func addMessage(_ m: DescriptorProto, fullName: String, swiftName: String) {
        entries[fullName] = .message(swiftName: swiftName, descriptor: m)
        for n in m.nested { addMessage(n, fullName: fullName + "." + n.name, swiftName: swiftName + "." + n.name) }
        for e in m.enums { entries[fullName + "." + e.name] = .enumeration(swiftName: swiftName + "." + e.name) }
    }

    func lookup(_ typeName: String) throws -> Entry {
        let key = typeName.hasPrefix(".") ? String(typeName.dropFirst()) : typeName
        guard let entry = entries[key] else { throw GeneratorError("unknown type \(typeName)") }
        return entry
    }

    func swiftName(_ typeName: String) throws -> String {
        switch try lookup(typeName) {
        case .message(let name, _), .enumeration(let name): return name
        }
    }

    /// The map entry message behind a map field, or nil when the field is not a map.
    func mapEntry(of field: FieldDescriptorProto) throws -> DescriptorProto? {
        guard field.isRepeated, field.type == 11, case .message(_, let d) = try lookup(field.typeName), d.isMapEntry else {
            return nil
        }
        return d
    }
}

struct GeneratorError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
