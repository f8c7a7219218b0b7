// Entry of connect.html: one self-contained file (scripts and styles inlined),
// served by the gateway at /connect under a CSP that allows nothing else.
import { StrictMode, useEffect, useState } from 'react'
import { createRoot } from 'react-dom/client'
import { ConnectPage } from './connect-page.js'
import '../styles/base.css'
import './connect.css'

function Root() {
  const [hash, setHash] = useState(window.location.hash)
  useEffect(() => {
    const onChange = () => setHash(window.location.hash)
    window.addEventListener('hashchange', onChange)
    return () => window.removeEventListener('hashchange', onChange)
  }, [])
  return <ConnectPage origin={window.location.origin} hash={hash} />
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Root />
  </StrictMode>,
)
