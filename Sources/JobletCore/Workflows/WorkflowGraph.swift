/// The requirement graph of a workflow's jobs, by index: edges go from a job to the jobs it
/// requires. Iterative (no recursion), so a 10,000-job chain does not exhaust the stack.
/// A value type.
public struct WorkflowGraph: Sendable {
    /// `requires[i]`: indices of the jobs job i requires (unknown names dropped).
    public let requires: [[Int]]
    public let names: [String]

    public init(jobs: [WorkflowJobSpec]) {
        var index: [String: Int] = [:]
        index.reserveCapacity(jobs.count)
        for (i, job) in jobs.enumerated() where index[job.name] == nil { index[job.name] = i }
        names = jobs.map(\.name)
        requires = jobs.map { job in job.requirements.compactMap { index[$0.job] } }
    }

    /// One cycle as job names, first name repeated at the end (`[a, b, a]`), or nil when the graph
    /// is acyclic; `a -> b` means a requires b. Depth-first search with an explicit stack; colours: 0 new, 1 on path, 2 done.
    public func cycle() -> [String]? {
        var colour = [UInt8](repeating: 0, count: requires.count)
        var path: [Int] = []
        var next: [Int] = []   // per path entry: which requirement to look at next
        for root in requires.indices where colour[root] == 0 {
            colour[root] = 1
            path = [root]
            next = [0]
            while let top = path.last {
                let edges = requires[top]
                if next[next.count - 1] < edges.count {
                    let child = edges[next[next.count - 1]]
                    next[next.count - 1] += 1
                    switch colour[child] {
                    case 0:
                        colour[child] = 1
                        path.append(child)
                        next.append(0)
                    case 1:
                        let start = path.lastIndex(of: child)!
                        // `a -> b` reads "a requires b".
                        let loop = path[start...].map { names[$0] }
                        return loop + [loop[0]]
                    default:
                        break
                    }
                } else {
                    colour[top] = 2
                    path.removeLast()
                    next.removeLast()
                }
            }
        }
        return nil
    }
}
