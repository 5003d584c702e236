/// Which cloud or hypervisor this machine runs on, from DMI (/sys/class/dmi/id): the vendors
/// write their names there. No metadata service is asked: that is a network call, and on a
/// machine that is not in that cloud it hangs until a timeout.
public struct CloudDetector: Sendable {
    let fs: ProcFS

    public init(fs: ProcFS = ProcFS()) { self.fs = fs }

    public func detect() -> CloudSnapshot {
        let dmi = "\(fs.sys)/class/dmi/id"
        func value(_ name: String) -> String { fs.trimmed("\(dmi)/\(name)") ?? "" }
        let vendor = value("sys_vendor"), product = value("product_name"), bios = value("bios_vendor")
        let board = value("board_vendor"), chassisTag = value("chassis_asset_tag"), version = value("product_version")
        var c = CloudSnapshot()
        c.provider = Self.provider(vendor: vendor, product: product, bios: bios, board: board, chassisTag: chassisTag)
        c.hypervisor = Self.hypervisor(vendor: vendor, product: product, bios: bios)
        // EC2 puts the instance type in product_name ("m5.large") and the id in the board asset tag.
        if c.provider == "aws" {
            if product.contains(".") { c.instanceType = product }
            let tag = value("board_asset_tag")
            if tag.hasPrefix("i-") { c.instanceID = tag }
        }
        if c.provider == "gcp" { c.instanceType = product == "Google Compute Engine" ? "" : product }
        var meta: [String: String] = [:]
        for (k, v) in [("sys_vendor", vendor), ("product_name", product), ("product_version", version), ("bios_vendor", bios)]
            where !v.isEmpty { meta[k] = v }
        c.metadata = meta
        return c
    }

    static func provider(vendor: String, product: String, bios: String, board: String, chassisTag: String) -> String {
        let all = [vendor, product, bios, board].joined(separator: " ").lowercased()
        // Older Xen-based EC2 instances say "Xen" everywhere but keep "amazon" in the BIOS version.
        if all.contains("amazon") { return "aws" }
        if all.contains("google") { return "gcp" }
        if chassisTag == "7783-7084-3265-9085-8269-3286-77" || (vendor == "Microsoft Corporation" && product == "Virtual Machine") { return "azure" }
        if all.contains("digitalocean") { return "digitalocean" }
        if all.contains("hetzner") { return "hetzner" }
        if all.contains("oracle") && chassisTag.contains("OracleCloud") { return "oracle" }
        if all.contains("alibaba") { return "alibaba" }
        if all.contains("openstack") { return "openstack" }
        if all.contains("scaleway") { return "scaleway" }
        if all.contains("linode") || all.contains("akamai") { return "linode" }
        if all.contains("vultr") { return "vultr" }
        return ""
    }

    static func hypervisor(vendor: String, product: String, bios: String) -> String {
        let all = [vendor, product, bios].joined(separator: " ").lowercased()
        if all.contains("kvm") || all.contains("qemu") || bios.contains("SeaBIOS") { return "kvm" }
        if all.contains("amazon ec2") { return "nitro" }
        if all.contains("xen") { return "xen" }
        if all.contains("vmware") { return "vmware" }
        if all.contains("virtualbox") { return "virtualbox" }
        if vendor == "Microsoft Corporation" && product == "Virtual Machine" { return "hyperv" }
        if all.contains("google") { return "kvm" }
        return ""
    }
}
