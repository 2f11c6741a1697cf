import { request } from 'node:http';

/** One GET on loopback without keep-alive, so that nothing holds the server's listener open. */
export function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: 5_000 }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** GETs until the status is `status`, at most `attempts` times 100 ms apart; the last result. */
export async function httpGetUntil(port: number, path: string, status: number, attempts = 50): Promise<{ status: number; body: string }> {
  let result = await httpGet(port, path);
  for (let attempt = 1; attempt < attempts && result.status !== status; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    result = await httpGet(port, path);
  }
  return result;
}
