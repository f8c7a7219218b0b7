/** The product version, shown by the CLI, the UI and the mDNS advertisement. */
export const VERSION = '0.1.0'
