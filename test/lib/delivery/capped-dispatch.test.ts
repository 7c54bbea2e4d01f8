import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Pool } from 'undici';
import { CappedRequest, dispatchCapped } from '../../../lib/delivery/capped-dispatch';
import { readCappedBody } from '../../../lib/delivery/read-capped-body';

/**
 * The answers a downstream may give in pieces: dispatchCapped must read them as pool.request and
 * readCappedBody did (same status, headers, bytes, errors), which is what it replaces on the row path.
 */
describe('dispatchCapped', () => {
  let server: http.Server;
  let origin = '';
  const sockets = new Set<import('node:net').Socket>();

  before(async () => {
    server = http.createServer((request, response) => {
      const piece = (text: string) => Buffer.from(text, 'utf8');
      if (request.url === '/split') {
        // "é" (2 bytes) cut between two chunks.
        const bytes = piece('{"name":"René","price":"12 €"}');
        response.writeHead(201, { 'Content-Type': 'application/json', 'Set-Cookie': ['a=1', 'b=2'], 'X-Answer': 'yes' });
        response.write(bytes.subarray(0, 13));
        setTimeout(() => response.end(bytes.subarray(13)), 5);
        return;
      }
      if (request.url === '/big') {
        response.writeHead(200, { 'Content-Type': 'text/plain' });
        // 10 bytes, then the cap (16) falls inside a 2-byte "é".
        response.write(piece('0123456789'));
        setTimeout(() => response.end(piece('abcdeéééé')), 5);
        return;
      }
      if (request.url === '/stall') {
        response.writeHead(200, { 'Content-Type': 'text/plain' });
        response.write(piece('started'));
        return; // the rest never comes
      }
      response.writeHead(204);
      response.end();
    });
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  async function throughRequest(pool: Pool, path: string, maxBytes: number) {
    const response = await pool.request({ origin, method: 'GET', path });
    return { statusCode: response.statusCode, headers: response.headers, body: await readCappedBody(response.body, maxBytes) };
  }

  for (const [path, maxBytes] of [['/split', 1024], ['/big', 16], ['/big', 10], ['/empty', 1024]] as const) {
    it(`reads ${path} (cap ${maxBytes} bytes) as pool.request and readCappedBody do`, async () => {
      const pool = new Pool(origin, { connections: 1 });
      try {
        const expected = await throughRequest(pool, path, maxBytes);
        const answer = await dispatchCapped(pool, { origin, method: 'GET', path }, new CappedRequest(maxBytes));
        assert.deepEqual(answer, expected);
        assert.ok(expected.statusCode >= 200, 'the server answered');
      } finally {
        await pool.close();
      }
    });
  }

  it('decodes a body cut by the cap inside a character as readCappedBody does, and the next request gets its own answer', async () => {
    const pool = new Pool(origin, { connections: 1 });
    try {
      const first = await dispatchCapped(pool, { origin, method: 'GET', path: '/big' }, new CappedRequest(16));
      assert.equal(first.body, '0123456789abcde\ufffd');
      const second = await dispatchCapped(pool, { origin, method: 'GET', path: '/split' }, new CappedRequest());
      assert.equal(second.statusCode, 201);
      assert.deepEqual(second.headers['set-cookie'], ['a=1', 'b=2']);
    } finally {
      await pool.close();
    }
  });

  it('rejects with the abort reason when cut off in the middle of the body, or before the request was sent', async () => {
    const pool = new Pool(origin, { connections: 1 });
    try {
      const midBody = new CappedRequest();
      const pending = dispatchCapped(pool, { origin, method: 'GET', path: '/stall' }, midBody);
      setTimeout(() => midBody.abort(new DOMException('This operation was aborted', 'AbortError')), 50);
      await assert.rejects(pending, (error: unknown) => error instanceof DOMException && error.name === 'AbortError');

      const early = new CappedRequest();
      const reason = new Error('stopped before sending');
      early.abort(reason);
      await assert.rejects(dispatchCapped(pool, { origin, method: 'GET', path: '/split' }, early), (error: unknown) => error === reason);
    } finally {
      await pool.close();
    }
  });

  it('rejects with what undici refuses, as pool.request does', async () => {
    const pool = new Pool(origin, { connections: 1 });
    await pool.close();
    const expected = await pool.request({ origin, method: 'GET', path: '/split' }).then(() => assert.fail('a closed pool sent'), (error: unknown) => error as Error);
    const got = await dispatchCapped(pool, { origin, method: 'GET', path: '/split' }, new CappedRequest()).then(() => assert.fail('a closed pool sent'), (error: unknown) => error as Error);
    assert.equal(got.constructor, expected.constructor);
    assert.equal(got.message, expected.message);
  });
});
