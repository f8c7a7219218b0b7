// Kept so existing imports stay valid: the stand-in lives in ./fake-ollama/.
export * from './fake-ollama/index.js'
