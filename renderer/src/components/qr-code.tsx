import { useEffect, useState } from 'react'
import QRCode from 'qrcode'

/** Dark on light whatever the theme: phone cameras read it best. */
const QR_OPTIONS = {
  errorCorrectionLevel: 'M' as const,
  margin: 2,
  width: 480,
  color: { dark: '#000000', light: '#ffffff' },
}

/** A QR code of `text` in a fixed-size box (the box is there before the image). */
export function QrCode({
  text,
  size = 200,
  label,
}: {
  text: string
  size?: number
  label: string
}) {
  const [src, setSrc] = useState<string | null>(null)
  const [failed, setFailed] = useState(false)
  useEffect(() => {
    let live = true
    setSrc(null)
    setFailed(false)
    QRCode.toDataURL(text, QR_OPTIONS).then(
      (url) => live && setSrc(url),
      () => live && setFailed(true),
    )
    return () => {
      live = false
    }
  }, [text])
  return (
    <div className="qr" style={{ width: size, height: size }}>
      {src ? (
        <img src={src} width={size} height={size} alt={label} />
      ) : (
        <span className="qr-placeholder">{failed ? 'The QR code could not be drawn.' : ''}</span>
      )}
    </div>
  )
}
