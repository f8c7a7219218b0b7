// Ollama's own "server busy": the 503 it answers when OLLAMA_MAX_QUEUE requests already wait
// (ollama server/sched.go ErrMaxQueue, server/routes.go handleScheduleError). Its /v1 routes
// carry the same text in OpenAI's error shape (middleware/openai.go writeError), so the text
// is what tells it from any other 503 (a cloud model relaying ollama.com's status).
const BUSY_TEXT = Buffer.from('server busy, please try again')

export function isOllamaBusy(body: Buffer): boolean {
  return body.includes(BUSY_TEXT)
}
