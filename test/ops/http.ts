import { request } from 'node:http';

export interface HttpResult {
  readonly status: number;
  readonly body: string;
  readonly contentType: string;
}

/** One GET without keep-alive, so nothing holds the server's listener open. */
export function httpGet(port: number, path: string, host = '127.0.0.1'): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, agent: false, timeout: 5_000 }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body, contentType: String(response.headers['content-type'] ?? '') }),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** The value of the one sample whose name and labels are exactly these, or undefined. */
export function sample(exposition: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels);
  for (const line of exposition.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = new Map([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
    if (found.size === wanted.length && wanted.every(([key, value]) => found.get(key) === value)) return Number(match[3]);
  }
  return undefined;
}
