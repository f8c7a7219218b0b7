// Shared test setup: the Electron fake is mocked here once for every suite.
import { vi } from 'vitest'

vi.mock('electron', () => import('./mocks/electron.js'))
