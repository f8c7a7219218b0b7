// Entry of connect.html: one self-contained file (scripts and styles inlined),
// served by the gateway at /connect under a CSP that allows nothing else.
import { StrictMode, useEffect, useState } from 'react'
import { createRoot } from 'react-dom/client'
import { ConnectPage } from './connect-page.js'
import { takeFragment } from './fragment.js'
import '../styles/base.css'
import './connect.css'

/** Read before React renders (StrictMode runs state initialisers twice). */
const opened = takeFragment(window)

function Root() {
  const [hash, setHash] = useState(opened)
  useEffect(() => {
    // Another link pasted into the address bar of the open page.
    const onChange = () => setHash(takeFragment(window))
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
