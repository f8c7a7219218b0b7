// How each kind of client trusts the gateway's certificate, built from the gateway's
// origin and the fingerprint. Pure: tested on its own.
import { formatFingerprint } from '../security/fingerprint.js'

export interface TrustStep {
  id: string
  title: string
  intro: string
  code?: string
}

/** The certificate file names the page tells people to save it as. */
export const CERT_FILE = 'corral.pem'

export function trustSteps(origin: string, fingerprint: string | null): TrustStep[] {
  const o = origin.replace(/\/+$/, '')
  const fp = fingerprint ? formatFingerprint(fingerprint) : null
  return [
    {
      id: 'download',
      title: 'Get the certificate (terminal)',
      intro: fp
        ? `Download it, then check that the fingerprint printed is ${fp}.`
        : 'Download it, then compare the fingerprint printed with the one on the owner’s screen.',
      code: [
        `curl --insecure -o ${CERT_FILE} ${o}/connect/cert.pem`,
        `openssl x509 -in ${CERT_FILE} -noout -fingerprint -sha256`,
      ].join('\n'),
    },
    {
      id: 'trust-curl',
      title: 'curl',
      intro: 'Pass the file with --cacert on each call:',
      code: `curl --cacert ${CERT_FILE} ${o}/api/version`,
    },
    {
      id: 'trust-python',
      title: 'Python (openai, ollama, httpx, requests)',
      intro:
        'SSL_CERT_FILE is read by httpx (openai, ollama) and Python’s ssl module, REQUESTS_CA_BUNDLE by requests. Both replace the usual list, so point them at a bundle that has it too:',
      code: [
        `cat "$(python3 -m certifi)" ${CERT_FILE} > corral-bundle.pem`,
        'export SSL_CERT_FILE="$PWD/corral-bundle.pem"',
        'export REQUESTS_CA_BUNDLE="$PWD/corral-bundle.pem"',
      ].join('\n'),
    },
    {
      id: 'trust-node',
      title: 'Node.js (openai, ollama, fetch)',
      intro: 'NODE_EXTRA_CA_CERTS adds it to the certificates Node trusts already:',
      code: `export NODE_EXTRA_CA_CERTS="$PWD/${CERT_FILE}"`,
    },
    {
      id: 'trust-open-webui',
      title: 'Open WebUI (Docker)',
      intro:
        'Give the container a bundle with the usual certificates and this one, and point it there:',
      code: [
        `cat /etc/ssl/certs/ca-certificates.crt ${CERT_FILE} > corral-bundle.pem`,
        'docker run -d -p 3000:8080 \\',
        '  -v "$PWD/corral-bundle.pem:/corral-bundle.pem:ro" \\',
        '  -e SSL_CERT_FILE=/corral-bundle.pem -e REQUESTS_CA_BUNDLE=/corral-bundle.pem \\',
        `  -e OPENAI_API_BASE_URL=${o}/v1 -e OPENAI_API_KEY=YOUR_KEY \\`,
        '  ghcr.io/open-webui/open-webui:main',
      ].join('\n'),
    },
    {
      id: 'trust-iphone',
      title: 'iPhone and iPad',
      intro:
        'Tap “Certificate for phones” above and allow the download. Settings → General → VPN & Device Management: install the Corral profile. Then Settings → General → About → Certificate Trust Settings: turn on full trust for it.',
    },
    {
      id: 'trust-android',
      title: 'Android',
      intro:
        'Tap “Certificate for phones” above. Settings → Security → Encryption & credentials → Install a certificate → CA certificate, and pick the file. Browsers such as Chrome then trust it; apps that keep their own list need the owner’s plain HTTP port instead.',
    },
  ]
}
