import Foundation
import PackagePlugin

/// Fills `BuildInfo`'s git commit and build date before every build, in debug and release alike.
/// A prebuild command (it must run each build to notice a new commit); the script rewrites its
/// output only when the commit changed, so an unchanged tree recompiles nothing.
@main
struct BuildInfoPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("Generated")
        let script = context.package.directoryURL.appendingPathComponent("scripts/buildinfo.sh")
        return [.prebuildCommand(displayName: "BuildInfo: git commit and build date",
                                 executable: URL(fileURLWithPath: "/bin/sh"),
                                 arguments: [script.path, context.package.directoryURL.path, output.path],
                                 outputFilesDirectory: output)]
    }
}
