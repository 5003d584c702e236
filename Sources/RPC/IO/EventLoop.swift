#if canImport(Glibc)
import Glibc
#endif
internal import CEventLoop
import Synchronization

/// Something an event loop watches: a socket, a listener, the wake-up eventfd.
protocol EventLoopHandler: AnyObject {
    /// Called on the loop's thread when epoll reports events for the handler's descriptor.
    func handleEvents(_ events: UInt32)
}

/// Something that writes once per loop batch (`EventLoop.markDirty`): a connection coalescing
/// the responses of many calls into one TLS write.
protocol EventLoopFlushable: AnyObject {
    /// Called on the loop's thread after the batch in which it was marked dirty.
    func flushFromLoop()
}

/// One epoll thread. It owns its sockets; other threads reach it only through `execute`,
/// a lock-protected mailbox plus an eventfd wake-up, so a burst of results costs one wake.
/// It is also a `TaskExecutor`: `.eventLoop` handlers run their Task on it (same mailbox), and a
/// post from the loop's own thread needs no wake-up at all.
public final class EventLoop: @unchecked Sendable {
    private enum Job {
        case closure(@Sendable () -> Void)
        case task(UnownedJob)
    }

    let index: Int
    private let epfd: Int32
    private let wakeFD: Int32
    private var handlers: [Int32: EventLoopHandler] = [:]
    private let mailbox = Mutex<(jobs: [Job], wakePending: Bool, closed: Bool)>(([], false, false))
    private var thread: pthread_t?
    private var threadName = ""
    /// pthread_self() of the loop thread once it runs (0 before).
    private let loopThread = Atomic<UInt>(0)
    private let stopped = Atomic<Bool>(false)
    /// Called on the loop thread after each batch of events and mailbox jobs (write flushing).
    /// Marked dirty in this batch (the owners dedupe), and an emptied list kept for reuse.
    private var dirty: [any EventLoopFlushable] = []
    private var spareDirty: [any EventLoopFlushable] = []
    /// Loop thread only: an emptied job list, swapped with the mailbox's on each drain so that
    /// neither side allocates a new one per batch.
    private var spareJobs: [Job] = []
    /// Scratch buffers shared by the loop's connections (loop thread only): a socket read
    /// lands here, so an idle connection holds no read buffer of its own.
    let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
    private var plaintextScratch: [UInt8] = []
    private var timers = TimerHeap()
    /// Polls before blocking while the loop is busy (see `run`); 0 turns polling off.
    let spinPolls: Int

    init(index: Int, spinPolls: Int = 0) throws {
        self.index = index
        self.spinPolls = max(0, spinPolls)
        epfd = CEventLoop_epoll_create()
        guard epfd >= 0 else { throw SystemError(function: "epoll_create1", errno: errno) }
        wakeFD = CEventLoop_eventfd()
        guard wakeFD >= 0 else { throw SystemError(function: "eventfd", errno: errno) }
        guard CEventLoop_ctl(epfd, CEventLoop_CTL_ADD, wakeFD, CEventLoop_EPOLLIN) == 0 else { throw SystemError(function: "epoll_ctl", errno: errno) }
    }

    deinit {
        readBuffer.deallocate()
        close(epfd)
        close(wakeFD)
    }

    /// Starts the loop's thread, named `name` (at most 15 bytes are kept).
    func start(name: String) {
        threadName = name
        let box = Unmanaged.passRetained(self)
        var tid = pthread_t()
        pthread_create(&tid, nil, { arg in
            let loop = Unmanaged<EventLoop>.fromOpaque(arg!).takeRetainedValue()
            loop.run()
            return nil
        }, box.toOpaque())
        thread = tid
    }

    func stop() {
        stopped.store(true, ordering: .releasing)
        execute {}
    }

    /// Loop thread only: the shared plaintext buffer, empty, uniquely owned by the caller until
    /// `returnScratch` (a copy of the array would make every append copy-on-write it: a fresh
    /// allocation of its whole capacity per flush, which profiles showed as page faults).
    func takeScratch() -> [UInt8] {
        var taken: [UInt8] = []
        swap(&taken, &plaintextScratch)
        taken.removeAll(keepingCapacity: true)
        return taken
    }

    func returnScratch(_ buffer: inout [UInt8]) {
        guard buffer.capacity <= 4 << 20 else { buffer = []; return }  // a burst's buffer is not kept
        buffer.removeAll(keepingCapacity: true)
        swap(&buffer, &plaintextScratch)
    }

    /// True on this loop's own thread.
    var isCurrent: Bool { loopThread.load(ordering: .relaxed) == UInt(pthread_self()) }

    func join() {
        if let t = thread { pthread_join(t, nil); thread = nil }
    }

    /// Runs `job` on the loop's thread, soon.
    func execute(_ job: @escaping @Sendable () -> Void) {
        // Once the loop has stopped, closures are dropped: they are for its connections, closed by then.
        _ = post(.closure(job))
    }

    /// Like `execute`, but says whether the job was taken: false once the loop has stopped.
    func tryExecute(_ job: @escaping @Sendable () -> Void) -> Bool {
        post(.closure(job))
    }

    /// False when the loop has stopped and the job was not taken.
    private func post(_ job: Job) -> Bool {
        // From the loop thread itself, the loop drains the mailbox before it sleeps again.
        let onLoop = isCurrent
        let (accepted, needWake) = mailbox.withLock { box -> (Bool, Bool) in
            if box.closed { return (false, false) }
            box.jobs.append(job)
            if box.wakePending { return (true, false) }
            box.wakePending = true
            return (true, !onLoop)
        }
        if needWake {
            var one: UInt64 = 1
            _ = write(wakeFD, &one, 8)
        }
        return accepted
    }

    /// Loop thread only: registers `fd` for `events` (EPOLLIN etc.).
    func register(fd: Int32, events: UInt32, handler: EventLoopHandler) throws {
        guard CEventLoop_ctl(epfd, CEventLoop_CTL_ADD, fd, events) == 0 else { throw SystemError(function: "epoll_ctl ADD", errno: errno) }
        handlers[fd] = handler
    }

    func modify(fd: Int32, events: UInt32) {
        _ = CEventLoop_ctl(epfd, CEventLoop_CTL_MOD, fd, events)
    }

    func deregister(fd: Int32) {
        _ = CEventLoop_ctl(epfd, CEventLoop_CTL_DEL, fd, 0)
        handlers[fd] = nil
    }

    /// Loop thread only: runs `action` on this loop at `deadline`; returns an id for `cancelTimer`.
    /// One heap per loop instead of a sleeping Task per call with a deadline.
    func scheduleTimer(at deadline: ContinuousClock.Instant, _ action: @escaping () -> Void) -> UInt64 {
        timers.schedule(at: deadline, action)
    }

    /// Loop thread only.
    func cancelTimer(_ id: UInt64) {
        timers.cancel(id)
    }

    /// Loop thread only: `owner.flushFromLoop()` runs after the current batch (coalesces writes).
    /// The owner marks itself at most once per batch.
    func markDirty(_ owner: any EventLoopFlushable) {
        dirty.append(owner)
    }

    private func run() {
        let maxEvents = 256
        var fds = [Int32](repeating: 0, count: maxEvents)
        var masks = [UInt32](repeating: 0, count: maxEvents)
        loopThread.store(UInt(pthread_self()), ordering: .relaxed)
        _ = CEventLoop_set_thread_name(threadName)
        // Busy polling: when the last blocking wait returned within `busyGap`, the next wait
        // first polls up to `spinPolls` times (yielding the CPU between polls) before it blocks.
        // In a VM the sleep and wake-up of an idle vCPU are costly (hypervisor exits); under a steady
        // stream of requests a few microseconds of polling find the next batch without sleeping.
        // A loop that waits longer than `busyGap` (one call in flight, idle) never polls.
        let busyGap = Duration.microseconds(100)
        var busy = false
        while !stopped.load(ordering: .acquiring) {
            // Work posted from this thread after the last drain (no eventfd was written for it).
            let pending = mailbox.withLock { !$0.jobs.isEmpty }
            let timeout = pending ? 0 : (timers.isEmpty ? -1 : timers.timeoutMilliseconds(now: .now))
            var n: Int32 = 0
            if timeout == 0 {
                n = CEventLoop_wait(epfd, &fds, &masks, Int32(maxEvents), 0)
            } else {
                if busy {
                    for _ in 0..<spinPolls {
                        n = CEventLoop_wait(epfd, &fds, &masks, Int32(maxEvents), 0)
                        if n != 0 { break }
                        sched_yield()
                    }
                }
                if n == 0 {
                    let start = ContinuousClock.now
                    n = CEventLoop_wait(epfd, &fds, &masks, Int32(maxEvents), timeout)
                    busy = n > 0 && ContinuousClock.now - start < busyGap
                }
            }
            if n < 0 {
                if errno == EINTR { continue }
                fatalError("epoll_wait: \(String(cString: strerror(errno)))")
            }
            for i in 0..<Int(n) {
                let fd = fds[i]
                if fd == wakeFD {
                    var value: UInt64 = 0
                    _ = read(wakeFD, &value, 8)
                    continue
                }
                handlers[fd]?.handleEvents(masks[i])
            }
            if !timers.isEmpty {
                for action in timers.popExpired(now: .now) { action() }
            }
            runMailbox()
            flushDirty()
        }
        runMailbox()
        flushDirty()
        let leftovers = mailbox.withLock { box -> [Job] in
            box.closed = true
            defer { box.jobs.removeAll() }
            return box.jobs
        }
        for case .task(let task) in leftovers { task.runSynchronously(on: asUnownedTaskExecutor()) }
    }

    private func runMailbox() {
        while true {
            var jobs = spareJobs
            spareJobs = []
            mailbox.withLock { box in
                swap(&jobs, &box.jobs)
                if jobs.isEmpty { box.wakePending = false }
            }
            if jobs.isEmpty {
                spareJobs = jobs
                return
            }
            for job in jobs {
                switch job {
                case .closure(let body): body()
                case .task(let task): task.runSynchronously(on: asUnownedTaskExecutor())
                }
            }
            jobs.removeAll(keepingCapacity: true)
            if jobs.capacity <= 4096 { spareJobs = jobs }
        }
    }

    private func flushDirty() {
        while !dirty.isEmpty {
            var work = spareDirty
            spareDirty = []
            swap(&work, &dirty)
            for owner in work { owner.flushFromLoop() }
            work.removeAll(keepingCapacity: true)
            if work.capacity <= 4096 { spareDirty = work }
        }
    }
}

extension EventLoop: TaskExecutor {
    public func enqueue(_ job: consuming ExecutorJob) {
        let task = UnownedJob(job)
        if !post(.task(task)) {
            // The loop has stopped: a handler Task that resumes now (its preferred executor is this
            // loop) finishes on the global executor rather than never.
            globalConcurrentExecutor.enqueue(ExecutorJob(task))
        }
    }
}

/// A fixed set of event loops, one per core by default.
public final class EventLoopGroup: @unchecked Sendable {
    let loops: [EventLoop]
    private let next = Atomic<Int>(0)

    /// Polls before blocking while busy: `ServerConfiguration.eventLoopSpinPolls`.
    public static let defaultSpinPolls = 50

    /// Threads are named `<name>-<index>` (15 bytes are kept).
    public init(threads: Int, spinPolls: Int = 0, name: String = "jobletd-loop") throws {
        loops = try (0..<max(1, threads)).map { try EventLoop(index: $0, spinPolls: spinPolls) }
        for loop in loops { loop.start(name: "\(name)-\(loop.index)") }
    }

    func nextLoop() -> EventLoop {
        let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
        return loops[i % loops.count]
    }

    public func shutdown() {
        for loop in loops { loop.stop() }
        for loop in loops { loop.join() }
    }

    public static var defaultThreadCount: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }
}
