// The optional base path (e.g. `/ollama`, where an OpenResty proxy served the API): every
// gateway path is answered under it too.

/** The path without the base path (e.g. `/ollama/api/chat` → `/api/chat`); others unchanged. */
export function stripBasePath(url: string, basePath: string): string {
  if (!basePath) return url
  if (url === basePath) return '/'
  if (url.startsWith(basePath) && (url[basePath.length] === '/' || url[basePath.length] === '?')) {
    const rest = url.slice(basePath.length)
    return rest.startsWith('?') ? '/' + rest : rest
  }
  return url
}
