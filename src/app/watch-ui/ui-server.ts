import { randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CurationError, locateImage, moveImage, trashImage, type CurationScope } from './curation-actions.js';
import { AUDIT_LISTS, pageView, slice, type AuditList, type UiState } from './page-state.js';
import { thumbnail } from './thumbnail.js';
import { uiPage } from './ui-page.js';

export interface UiServer {
  url: string;
  update(patch: Partial<UiState>): void;
  state(): UiState;
  close(): Promise<void>;
}

/**
 * The live curation page of `retrain watch --ui`, on 127.0.0.1 only. Every request needs the random token
 * (query `token` or header `x-retrain-token`); the page gets state by server-sent events; it may move an image
 * to another class folder or move it to the trash beside the data, and only files inside `imageDirs`.
 */
export async function startUiServer(options: { scope: () => CurationScope; port?: number }): Promise<UiServer> {
  const token = randomBytes(24).toString('hex');
  let state: UiState = { builds: [], classes: [], auditing: false };
  const clients = new Set<http.ServerResponse>();
  const send = (response: http.ServerResponse) => response.write(`event: state\ndata: ${JSON.stringify(pageView(state))}\n\n`);

  const authorised = (request: http.IncomingMessage, url: URL) => {
    const given = Buffer.from(String(request.headers['x-retrain-token'] ?? url.searchParams.get('token') ?? ''));
    const wanted = Buffer.from(token);
    return given.length === wanted.length && timingSafeEqual(given, wanted);
  };
  const reply = (response: http.ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    response.end(JSON.stringify(body));
  };
  const readJson = async (request: http.IncomingMessage): Promise<Record<string, unknown>> => {
    let body = '';
    for await (const chunk of request) {
      body += chunk;
      if (body.length > 65_536) throw new CurationError('request body too large', 400);
    }
    try {
      const value = JSON.parse(body) as unknown;
      if (value && typeof value === 'object') return value as Record<string, unknown>;
    } catch {}
    throw new CurationError('expected a JSON object', 400);
  };

  const server = http.createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    try {
      if (!authorised(request, url)) return reply(response, 401, { error: 'missing or wrong token: use the URL retrain watch --ui printed' });
      if (request.method === 'GET' && url.pathname === '/') {
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': "default-src 'self'; img-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'" });
        return response.end(uiPage());
      }
      if (request.method === 'GET' && url.pathname === '/events') {
        response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
        clients.add(response);
        request.on('close', () => clients.delete(response));
        return send(response);
      }
      if (request.method === 'GET' && url.pathname === '/thumbnail') {
        const file = url.searchParams.get('path') ?? '';
        const made = await thumbnail((await locateImage(options.scope(), file)).real, file);
        if ('error' in made) return reply(response, 422, made);
        response.writeHead(200, { 'content-type': 'image/jpeg', 'cache-control': 'no-store' });
        return response.end(made.jpeg);
      }
      if (request.method === 'GET' && url.pathname === '/list') {
        // The rest of an audit list, a page at a time (the state holds only its first items).
        const list = url.searchParams.get('name') as AuditList;
        if (!AUDIT_LISTS.includes(list)) return reply(response, 400, { error: `name: expected one of ${AUDIT_LISTS.join(', ')}` });
        if (!state.audit) return reply(response, 404, { error: 'no audit yet' });
        const offset = Math.max(0, Math.floor(Number(url.searchParams.get('offset')) || 0));
        const limit = Math.min(100, Math.max(1, Math.floor(Number(url.searchParams.get('limit')) || 40)));
        return reply(response, 200, slice(state.audit, list, offset, limit));
      }
      if (request.method === 'POST' && url.pathname === '/move') {
        const body = await readJson(request);
        return reply(response, 200, { moved: await moveImage(options.scope(), String(body.path ?? ''), body.label) });
      }
      if (request.method === 'POST' && url.pathname === '/remove') {
        const body = await readJson(request);
        return reply(response, 200, { trashed: await trashImage(options.scope(), String(body.path ?? '')) });
      }
      return reply(response, 404, { error: `no ${request.method} ${url.pathname}` });
    } catch (error) {
      if (error instanceof CurationError) return reply(response, error.status, { error: error.message });
      return reply(response, 500, { error: (error as Error).message.split('\n')[0] });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    update(patch) {
      state = { ...state, ...patch };
      for (const client of clients) send(client);
    },
    state: () => state,
    async close() {
      for (const client of clients) client.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
