// The 404 for a path Corral does not serve, with a hint when it is an OpenAI path without its
// `/v1` (a base URL set to http://host:11435 instead of http://host:11435/v1): issue 27.
const OPENAI_WITHOUT_V1 =
  /^\/(chat\/completions|completions|embeddings|models|responses|messages)(\/|$)/

export function notServedMessage(method: string, path: string): string {
  const base = `${method} ${path} is not served`
  if (!OPENAI_WITHOUT_V1.test(path)) return base
  return `${base}: OpenAI clients need /v1 at the end of the base URL (e.g. http://HOST:PORT/v1), so this is /v1${path}`
}
