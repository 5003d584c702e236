import ArgumentParser

/// The training commands (issue 19), listed once for both `rnx` and `rnx job`.
let trainingCommands: [any ParsableCommand.Type] = [PauseCommand.self, ResumeCommand.self, ArtifactsCommand.self,
                                                     DownloadCommand.self, WatchCommand.self]
