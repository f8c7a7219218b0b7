import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App, Locked } from './app.js'
import { HttpApi } from './api/client.js'
import { readControlToken } from './api/token.js'
import './styles/base.css'
import './styles/app.css'
import './styles/keys.css'

const NO_TOKEN =
  'This window was opened without its access token. Open the control link that corral serve printed (or use the tray icon in the desktop app).'

const root = createRoot(document.getElementById('root')!)
const token = readControlToken()
root.render(
  <StrictMode>
    {token ? <App api={new HttpApi({ token })} /> : <Locked message={NO_TOKEN} />}
  </StrictMode>,
)
