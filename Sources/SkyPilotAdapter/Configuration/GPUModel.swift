/// A GPU SkyPilot knows by name, with its memory, for picking one from `gpu_memory_mb`.
public struct GPUModel: Sendable, Hashable {
    /// SkyPilot's accelerator name, e.g. `A100-80GB`.
    public var name: String
    public var memoryGB: Int

    public init(name: String, memoryGB: Int) {
        self.name = name
        self.memoryGB = memoryGB
    }

    /// Smallest first; on equal memory the first listed (the cheaper one) wins.
    public static let builtInCatalog: [GPUModel] = [
        GPUModel(name: "T4", memoryGB: 16),
        GPUModel(name: "L4", memoryGB: 24),
        GPUModel(name: "A10G", memoryGB: 24),
        GPUModel(name: "A100", memoryGB: 40),
        GPUModel(name: "A100-80GB", memoryGB: 80),
        GPUModel(name: "H100", memoryGB: 80),
        GPUModel(name: "H200", memoryGB: 141),
    ]
}
