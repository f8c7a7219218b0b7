// Shared test setup: the Electron fake is mocked here once for every suite.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, vi } from 'vitest'

vi.mock('electron', () => import('./mocks/electron.js'))

// No test touches this machine's own Corral folder: the OS default data folder (where a
// server on another folder leaves elsewhere.json, and where `corral` without --data-dir
// looks) is a temporary one, for this file and every `corral` it starts.
const osHome = fs.mkdtempSync(path.join(os.tmpdir(), 'corral-os-default-'))
process.env.XDG_CONFIG_HOME = path.join(osHome, 'config')
process.env.APPDATA = path.join(osHome, 'AppData', 'Roaming')
if (process.platform === 'darwin') process.env.HOME = osHome
delete process.env.CORRAL_DATA_DIR
afterAll(() => fs.rmSync(osHome, { recursive: true, force: true }))
