// node:util parseArgs errors in Corral's words (issue 27): what was wrong and what to do,
// never Node's own text ("To specify a positional argument starting with a '-'...").
const FLAG = /'(-{1,2}[^'\s]+)/

export function usageError(err: unknown): string {
  const e = err as { code?: string; message?: string }
  const flag = FLAG.exec(e.message ?? '')?.[1] ?? ''
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${flag}: the options each command takes are listed below (corral help).`
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /argument missing/.test(e.message ?? '')
        ? `option ${flag} needs a value (e.g. ${flag} VALUE).`
        : `option ${flag} takes no value.`
    default:
      return `${e.message ?? 'bad arguments'}.`
  }
}
