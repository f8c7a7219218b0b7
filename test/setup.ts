// Shared test setup: the Electron fake is mocked here once for every suite.
