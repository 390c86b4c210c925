// The demo's in-process replay server: recorded Prometheus and billing responses served on
// 127.0.0.1, so the real clients and SDKs run against real HTTP without any account.

import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReplayRequest {
  method: string;
  url: URL;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface ReplayResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

export type ReplayHandler = (req: ReplayRequest) => ReplayResponse | undefined;

export interface ReplayServer {
  url: string;
  close(): Promise<void>;
}

export async function startReplayServer(handlers: ReplayHandler[]): Promise<ReplayServer> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', chunk => chunks.push(chunk));
    req.on('end', () => {
      const request: ReplayRequest = {
        method: req.method ?? 'GET',
        url: new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      let response: ReplayResponse | undefined;
      try {
        for (const handler of handlers) {
          response = handler(request);
          if (response) break;
        }
      } catch (err) {
        response = { status: 500, headers: { 'content-type': 'text/plain' }, body: `replay handler failed: ${(err as Error).message}` };
      }
      response ??= {
        status: 404,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ error: `no recording for ${request.method} ${request.url.pathname}` }),
      };
      res.writeHead(response.status, response.headers);
      res.end(response.body);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>(resolve => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
