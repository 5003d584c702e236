/// What the host does for volumes (JobletLinux's `LinuxVolumeHost`).
public protocol VolumeHost: Sendable {
    /// Makes the volume's storage and mounts it; leaves nothing behind when it throws.
    func create(_ volume: Volume) throws
    /// Unmounts the volume and deletes its storage.
    func remove(_ volume: Volume) throws
    /// Mounts each volume that is not mounted (after a reboot; a memory volume starts empty).
    /// Tries every one; throws once at the end naming those that failed.
    func mountIfNeeded(_ volumes: [Volume]) throws
    /// Whether the volume's storage is mounted (jobs never get the bare directory under it).
    func isMounted(_ volume: Volume) -> Bool
    /// The host directory jobs bind-mount.
    func dataPath(of volume: Volume) -> String
    /// Bytes in use, when the mount answers.
    func usedBytes(of volume: Volume) -> Int64?
}
