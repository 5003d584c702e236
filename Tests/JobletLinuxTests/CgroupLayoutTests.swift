import XCTest
@testable import JobletLinux

final class CgroupLayoutTests: XCTestCase {
    static let hybrid = """
    27 1 254:0 / / rw,relatime - ext4 /dev/vda rw
    31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
    32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
    34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
    35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
    38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
    39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
    40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
    41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
    """

    static let unified = """
    27 1 254:0 / / rw,relatime - ext4 /dev/vda rw
    31 23 0:28 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate
    """

    func testHybridWithControllerlessCgroup2IsV1() {
        let layout = CgroupLayout.detect(mountinfo: Self.hybrid, controllersOf: { _ in "" })
        guard case .v1(let hierarchies, let unified) = layout else { return XCTFail("\(layout)") }
        XCTAssertEqual(hierarchies["cpu"], "/sys/fs/cgroup/cpu,cpuacct")
        XCTAssertEqual(hierarchies["cpuacct"], "/sys/fs/cgroup/cpu,cpuacct")
        XCTAssertEqual(hierarchies["memory"], "/sys/fs/cgroup/memory")
        XCTAssertNil(hierarchies["name=systemd"])
        XCTAssertEqual(unified, "/sys/fs/cgroup/unified")
        XCTAssertEqual(layout.summary, "cgroup layout: v1 hybrid (cpu=/sys/fs/cgroup/cpu,cpuacct cpuacct=/sys/fs/cgroup/cpu,cpuacct cpuset=/sys/fs/cgroup/cpuset memory=/sys/fs/cgroup/memory blkio=/sys/fs/cgroup/blkio pids=/sys/fs/cgroup/pids); cgroup2 at /sys/fs/cgroup/unified has no usable controllers")
    }

    /// Optional fields before the "-" separator, and octal escapes in the mount point.
    func testOptionalFieldsAndEscapedMountPoints() {
        let mountinfo = #"""
        27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
        35 31 0:32 / /sys/fs/cgroup/my\040memory\134x rw,relatime shared:9 master:3 - cgroup cgroup rw,memory
        bad line without separator
        36 31 0:33 / /short - cgroup
        """#
        let layout = CgroupLayout.detect(mountinfo: mountinfo, controllersOf: { _ in "" })
        guard case .v1(let hierarchies, let unified) = layout else { return XCTFail("\(layout)") }
        XCTAssertEqual(hierarchies, ["memory": #"/sys/fs/cgroup/my memory\x"#])
        XCTAssertNil(unified)
        XCTAssertEqual(CgroupLayout.unescapeMountField(#"/a\011b\012c\9"#), "/a\tb\nc" + #"\9"#)
        XCTAssertEqual(CgroupLayout.unescapeMountField(#"/end\04"#), #"/end\04"#)
    }

    func testCgroup2WithControllersIsUnified() {
        let layout = CgroupLayout.detect(mountinfo: Self.unified, controllersOf: { _ in "cpuset cpu io memory pids" })
        XCTAssertEqual(layout, .unified(root: "/sys/fs/cgroup", controllers: ["cpuset", "cpu", "io", "memory", "pids"]))
        XCTAssertEqual(layout.summary, "cgroup layout: v2 unified at /sys/fs/cgroup (controllers: cpuset cpu io memory pids)")
    }

    func testNothingUsableIsUnavailable() {
        let layout = CgroupLayout.detect(mountinfo: Self.unified, controllersOf: { _ in "cpu" })
        guard case .unavailable = layout else { return XCTFail("\(layout)") }
    }

    func testThisHostIsDetected() {
        let layout = CgroupLayout.detect()
        if case .unavailable(let why) = layout { XCTFail(why) }
        XCTAssertTrue(layout.summary.hasPrefix("cgroup layout: "))
    }

    func testV1ControllerPlacesTheProcessInEveryDistinctHierarchy() {
        let controller = CgroupV1Controller(hierarchies: ["cpu": "/c", "cpuacct": "/c", "memory": "/m", "pids": "/p", "devices": "/d"])
        XCTAssertEqual(controller.placement(for: JobCgroup(relativePath: "joblet/x")),
                       .procsFiles(["/c/joblet/x/cgroup.procs", "/m/joblet/x/cgroup.procs", "/p/joblet/x/cgroup.procs",
                                    "/d/joblet/x/cgroup.procs"]))  // devices: the allow list (issue 16)
        XCTAssertEqual(CgroupV1Controller(hierarchies: ["memory": "/m", "net_cls": "/n"]).placement(for: JobCgroup(relativePath: "joblet/x")),
                       .procsFiles(["/m/joblet/x/cgroup.procs"]))
    }
}
