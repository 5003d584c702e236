import Foundation
import XCTest
@testable import JobletLinux

/// The /proc and /sys parsers against fixture text copied from real hosts.
final class MonitoringParserTests: XCTestCase {
    func testProcStatTotalsPerCoreAndBootTime() {
        let text = """
            cpu  100 5 50 800 20 1 2 3 0 0
            cpu0 60 5 30 400 10 1 1 2 0 0
            cpu1 40 0 20 400 10 0 1 1 0 0
            intr 12345 0 0
            ctxt 999
            btime 1764700000
            processes 4242
            procs_running 3
            procs_blocked 1
            """
        let s = ProcStatText.parse(text)
        XCTAssertEqual(s.total, CPUTicks(user: 100, nice: 5, system: 50, idle: 800, iowait: 20, irq: 1, softirq: 2, steal: 3))
        XCTAssertEqual(s.perCore.count, 2)
        XCTAssertEqual(s.perCore[1].user, 40)
        XCTAssertEqual(s.bootTime, 1_764_700_000)
        XCTAssertEqual(s.processesRunning, 3)
        XCTAssertEqual(s.processesBlocked, 1)
        var later = s.total
        later.user += 30
        later.idle += 70
        XCTAssertEqual(ProcStatText.usage(later, since: s.total), 30, accuracy: 0.001)
        XCTAssertEqual(ProcStatText.usage(s.total, since: s.total), 0)
    }

    func testMemInfoInBytesAndUsedFromAvailable() {
        let text = """
            MemTotal:       24683664 kB
            MemFree:        10000000 kB
            MemAvailable:   20000000 kB
            Buffers:          100000 kB
            Cached:          5000000 kB
            SReclaimable:     200000 kB
            SwapTotal:       1000000 kB
            SwapFree:         400000 kB
            HugePages_Total:       0
            """
        let m = MemInfoText.parse(text).snapshot
        XCTAssertEqual(m.totalBytes, 24_683_664 * 1024)
        XCTAssertEqual(m.availableBytes, 20_000_000 * 1024)
        XCTAssertEqual(m.usedBytes, (24_683_664 - 20_000_000) * 1024)
        XCTAssertEqual(m.cachedBytes, 5_200_000 * 1024)
        XCTAssertEqual(m.swapUsedBytes, 600_000 * 1024)
        XCTAssertEqual(MemInfoText.parse(text)["HugePages_Total"], 0)
    }

    func testMountsKeepRealFilesystemsOncePerDevice() {
        let text = """
            proc /proc proc rw,relatime 0 0
            sysfs /sys sysfs rw 0 0
            tmpfs /dev/shm tmpfs rw 0 0
            /dev/vda / ext4 rw,relatime 0 0
            /dev/vda /var/lib/docker ext4 rw 0 0
            cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0
            /dev/loop3 /var/lib/jobletd/volumes/my\\040data ext4 rw 0 0
            overlay /merged overlay rw 0 0
            server:/export /mnt/nfs nfs4 rw 0 0
            """
        let disks = MountTable.disks(MountTable.parse(text))
        XCTAssertEqual(disks.map(\.mountPoint), ["/", "/var/lib/jobletd/volumes/my data", "/mnt/nfs"])
        XCTAssertEqual(disks.first?.device, "/dev/vda")
    }

    func testNetDev() {
        let text = """
            Inter-|   Receive                                                |  Transmit
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                lo:  123456     100    0    0    0     0          0         0   123456     100    0    0    0     0       0          0
              eth0: 9876543    5000    1    2    0     0          0         0  1234567    4000    3    4    0     0       0          0
            """
        let n = NetDevText.parse(text)
        XCTAssertEqual(n.map(\.0), ["lo", "eth0"])
        XCTAssertEqual(n[1].1, NetworkCounters(bytesReceived: 9_876_543, packetsReceived: 5000, errorsIn: 1, dropsIn: 2,
                                               bytesSent: 1_234_567, packetsSent: 4000, errorsOut: 3, dropsOut: 4))
    }

    func testDiskStatsWholeDisksWithIO() {
        let text = """
               7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
             254       0 vda 43597 9324 3507338 55848 11768 36643 2471432 15552 0 20172 72247 2402 1 333496 584 1683 262
             254       1 vda1 40000 9000 3500000 55000 11000 36000 2470000 15000 0 20000 72000
            """
        let all = DiskStatsText.parse(text)
        XCTAssertEqual(all.count, 3)
        let disks = DiskStatsText.wholeDisks(all, blockDevices: ["loop0", "vda"])
        XCTAssertEqual(disks.map(\.device), ["vda"])
        XCTAssertEqual(disks[0].readBytes, 3_507_338 * 512)
        XCTAssertEqual(disks[0].writesCompleted, 11768)
        XCTAssertEqual(disks[0].ioTime, 20172)
    }

    func testProcessStatWithSpacesAndParensInTheName() {
        let text = "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0 123456 1000000 2560 18446744073709551615"
        let p = ProcessStatText.parse(Substring(text))
        XCTAssertEqual(p?.pid, 4242)
        XCTAssertEqual(p?.name, "my (odd) name")
        XCTAssertEqual(p?.state, "S")
        XCTAssertEqual(p?.ppid, 1)
        XCTAssertEqual(p?.cpuTicks, 300)
        XCTAssertEqual(p?.threads, 3)
        XCTAssertEqual(p?.startTicks, 123_456)
        XCTAssertEqual(p?.rssPages, 2560)
        XCTAssertNil(ProcessStatText.parse("garbage"))
    }

    func testOSReleaseAndPasswd() {
        let os = OSReleaseText.parse("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n# comment\nID_LIKE='rhel fedora'\n")
        XCTAssertEqual(os["ID"], "debian")
        XCTAssertEqual(os["VERSION_ID"], "12")
        XCTAssertEqual(os["ID_LIKE"], "rhel fedora")
        let users = PasswdText.parse("root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n")
        XCTAssertEqual(users[0], "root")
        XCTAssertEqual(users[65534], "nobody")
    }

    func testCloudFromDMI() {
        XCTAssertEqual(CloudDetector.provider(vendor: "Amazon EC2", product: "m5.large", bios: "Amazon EC2", board: "", chassisTag: ""), "aws")
        XCTAssertEqual(CloudDetector.provider(vendor: "Google", product: "Google Compute Engine", bios: "Google", board: "", chassisTag: ""), "gcp")
        XCTAssertEqual(CloudDetector.provider(vendor: "Microsoft Corporation", product: "Virtual Machine", bios: "", board: "",
                                              chassisTag: "7783-7084-3265-9085-8269-3286-77"), "azure")
        XCTAssertEqual(CloudDetector.provider(vendor: "QEMU", product: "Standard PC", bios: "SeaBIOS", board: "", chassisTag: ""), "")
        XCTAssertEqual(CloudDetector.hypervisor(vendor: "QEMU", product: "Standard PC", bios: "SeaBIOS"), "kvm")
    }

    func testSamplerAgainstAFixtureTree() throws {
        var template = Array("/tmp/joblet-fake-proc-XXXXXX".utf8CString)
        let root = String(cString: mkdtemp(&template)!)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let fm = FileManager.default
        for d in ["proc/7", "proc/net", "sys/block/vda", "sys/class/net/eth0", "etc"] {
            try fm.createDirectory(atPath: "\(root)/\(d)", withIntermediateDirectories: true)
        }
        func put(_ p: String, _ t: String) throws { try t.write(toFile: "\(root)/\(p)", atomically: false, encoding: .utf8) }
        try put("proc/stat", "cpu  100 0 100 800 0 0 0 0\ncpu0 100 0 100 800 0 0 0 0\nbtime 1764700000\n")
        try put("proc/meminfo", "MemTotal: 1000 kB\nMemAvailable: 250 kB\n")
        try put("proc/uptime", "100.0 50.0\n")
        try put("proc/loadavg", "0.50 0.25 0.10 1/100 7\n")
        try put("proc/7/stat", "7 (worker) R 1 7 7 0 -1 0 0 0 0 0 50 50 0 0 20 0 1 0 100 0 10 0")
        try put("proc/7/cmdline", "worker\0--fast\0")
        try put("proc/net/dev", "h\nh\n  eth0: 1000 1 0 0 0 0 0 0 2000 2 0 0 0 0 0 0\n")
        try put("proc/diskstats", " 254 0 vda 10 0 20 0 5 0 40 0 0 100 0\n")
        try put("sys/class/net/eth0/address", "52:54:00:12:34:56\n")
        try put("etc/os-release", "ID=debian\nVERSION_ID=12\n")
        try put("etc/passwd", "")
        let sampler = SystemSampler(fs: ProcFS(proc: "\(root)/proc", sys: "\(root)/sys", etc: "\(root)/etc"))
        let first = sampler.sample()
        XCTAssertEqual(first.cpu.usagePercent, 20, accuracy: 0.01)  // since boot: 200 busy of 1000
        XCTAssertEqual(first.memory.usedBytes, 750 * 1024)
        XCTAssertEqual(first.host.macAddresses, ["52:54:00:12:34:56"])
        XCTAssertEqual(first.host.platform, "debian")
        XCTAssertEqual(first.processes.total, 1)
        XCTAssertEqual(first.processes.topByCPU.first?.command, "worker --fast")
        XCTAssertEqual(first.cpu.loadAverage, [0.5, 0.25, 0.1])
        // The second sample's CPU and rates cover only what changed in between.
        try put("proc/stat", "cpu  190 0 110 900 0 0 0 0\ncpu0 190 0 110 900 0 0 0 0\nbtime 1764700000\n")
        try put("proc/net/dev", "h\nh\n  eth0: 5000 1 0 0 0 0 0 0 2000 2 0 0 0 0 0 0\n")
        Thread.sleep(forTimeInterval: 0.05)
        let second = sampler.sample()
        XCTAssertEqual(second.cpu.usagePercent, 50, accuracy: 0.01)  // 100 busy of 200
        XCTAssertGreaterThan(second.networks[0].receiveRate, 0)
        XCTAssertEqual(second.networks[0].transmitRate, 0)
        XCTAssertGreaterThan(second.intervalSeconds, 0)
        // A fork starts without the previous sample.
        XCTAssertEqual(sampler.fork().sample().cpu.usagePercent, 300.0 * 100 / 1200, accuracy: 0.01)
    }
}
