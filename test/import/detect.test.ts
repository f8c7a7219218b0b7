import { describe, expect, test } from 'vitest'
import { detectFormat, ImportError, parseImportFile } from '../../gateway/import/index.js'
import { fixture } from './helpers.js'

describe('format detection', () => {
  test.each([
    ['api_keys.conf', 'nginx-keys'],
    ['api_keys-map.conf', 'nginx-keys'],
    ['malformed-api_keys.conf', 'nginx-keys'],
    ['upstream_ollama.conf', 'nginx-upstreams'],
    ['upstream-block.conf', 'nginx-upstreams'],
    ['keys.txt', 'keys-txt'],
    ['keys-crlf.txt', 'keys-txt'],
    ['go-gateway-config.json', 'go-gateway'],
    ['go-gateway-config-v1.json', 'go-gateway'],
    ['go-gateway-config-custom.json', 'go-gateway'],
    ['go-gateway-odd.json', 'go-gateway'],
    ['go-gateway-broken.json', 'go-gateway'],
    ['docker.env', 'env'],
    ['corral.env', 'env'],
    ['docker-compose.yml', 'env'],
    ['not-a-gateway.yaml', null],
    ['notes.md', null],
  ])('fixture %s is read as %s', (name, format) => {
    expect(detectFormat(name, fixture(name))).toBe(format)
  })

  test.each([
    ['a key map under any name', 'whatever.txt', '"Bearer abcdefgh12345" 1;\n', 'nginx-keys'],
    ['an unquoted Bearer line', 'x', 'Bearer abcdefgh12345 1;\n', 'nginx-keys'],
    ['a map block', 'x', 'map $http_authorization $ok {\n default 0;\n}\n', 'nginx-keys'],
    ['server lines under any name', 'list', 'server 10.0.0.1:11434;\n', 'nginx-upstreams'],
    ['an upstream block', 'x', 'upstream o {\n server h;\n}\n', 'nginx-upstreams'],
    ['Go JSON under any name', 'gw', '{"ollamaAddresses": []}', 'go-gateway'],
    ['one token per line under any name', 'secrets', 'abcdefgh12345\nzyxwvut98765\n', 'keys-txt'],
    ['Corral variables under any name', 'vars', 'CORRAL_API_KEYS=abcdefgh12345\n', 'env'],
  ])('content wins: %s', (_what, file, text, format) => {
    expect(detectFormat(file, text)).toBe(format)
  })

  test.each([
    ['api_keys.conf', 'nginx-keys'],
    ['upstream_ollama.conf', 'nginx-upstreams'],
    ['keys.txt', 'keys-txt'],
    ['config.json', 'go-gateway'],
    ['.env', 'env'],
    ['/srv/gw/nginx/api_keys.conf', 'nginx-keys'],
    ['C:\\gw\\keys.txt', 'keys-txt'],
  ])('a file with nothing but comments is judged by its name: %s', (file, format) => {
    expect(detectFormat(file, '# nothing yet\n\n')).toBe(format)
  })

  test.each([
    ['an empty file with an unknown name', 'data.bin', ''],
    ['prose', 'readme', 'Ask Sam for the keys before Friday.\nThen move the box.\n'],
    [
      'a private key',
      'keys.txt',
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n',
    ],
    ['binary', 'keys', 'abc\u0000def'],
    ['JSON of something else', 'config.json', '{"name": "corral"}'],
    ['a YAML file without the variables', 'compose.yml', 'services:\n  web:\n    image: nginx\n'],
  ])('%s is not recognised', (_what, file, text) => {
    expect(detectFormat(file, text)).toBeNull()
  })

  test('parseImportFile throws an ImportError naming the file for an unknown format', () => {
    expect(() => parseImportFile('notes.md', fixture('notes.md'))).toThrow(
      expect.objectContaining({
        name: 'ImportError',
        code: 'CORRAL_ERR_IMPORT_FORMAT',
        file: 'notes.md',
        message: expect.stringMatching(/^notes.md: not a format corral import knows/),
      }),
    )
    expect(() => parseImportFile('notes.md', fixture('notes.md'))).toThrow(ImportError)
  })

  test('the first note says what the file was read as and what it held', () => {
    const plan = parseImportFile('keys.txt', 'abcdefgh12345\n')
    expect(plan.notes[0]).toEqual({
      level: 'info',
      file: 'keys.txt',
      message: 'read as a keys file: 1 key(s), 0 backend(s)',
    })
  })
})
