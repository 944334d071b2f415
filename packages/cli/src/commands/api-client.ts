/**
 * POST a JSON body to the edge's HTTP API (HERALD_URL or `--url`, HERALD_API_KEY),
 * print the answer (stdout on success, stderr otherwise) and return the exit code.
 */
export async function postToApi(path: string, body: string, url: string | undefined): Promise<number> {
  const base = url ?? process.env['HERALD_URL'] ?? 'http://localhost:8080';
  const apiKey = process.env['HERALD_API_KEY'];
  const res = await fetch(new URL(path, base.replace(/^ws/, 'http')), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
    body,
  });
  const text = await res.text();
  (res.ok ? process.stdout : process.stderr).write(text + '\n');
  return res.ok ? 0 : 1;
}
