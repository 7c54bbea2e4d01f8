import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  classifyError,
  classifyResponse,
  ConnectionFailedError,
  parseRetryAfter,
  RequestTimeoutError,
  TokenRequestError,
  type ApiResponse,
  type SuccessCheck,
} from '../../../lib/delivery';

function answer(status: number, body: unknown = '', headers: ApiResponse['headers'] = {}): ApiResponse {
  return { status, headers, body: typeof body === 'string' ? body : JSON.stringify(body), durationMs: 1 };
}

describe('classifyResponse', () => {
  it('judges an answer at once without a success check, and in a promise with one', async () => {
    const direct = classifyResponse(answer(201, '{"status":"SUCCESS"}'));
    assert.ok(!(direct instanceof Promise));
    assert.equal((direct as { kind: string }).kind, 'success');
    const refused = classifyResponse(answer(422, 'no'));
    assert.ok(!(refused instanceof Promise));
    assert.equal((refused as { kind: string }).kind, 'permanent');
    const checked = classifyResponse(answer(200, '{"status":"SUCCESS"}'), () => ({ ok: false, message: 'not really' }));
    assert.ok(checked instanceof Promise);
    assert.equal((await checked).kind, 'permanent');
  });

  for (const status of [200, 201, 202, 204]) {
    it(`${status} is a success`, async () => {
      assert.deepEqual(await classifyResponse(answer(status, '{"status":"SUCCESS"}')), { kind: 'success', status, body: '{"status":"SUCCESS"}', headers: {} });
    });
  }

  for (const status of [408, 425, 429, 500, 502, 503, 504]) {
    it(`${status} is transient`, async () => {
      const outcome = await classifyResponse(answer(status, 'busy'));
      assert.equal(outcome.kind, 'transient');
      assert.equal(outcome.kind === 'transient' && outcome.status, status);
    });
  }

  for (const status of [400, 401, 403, 404, 405, 409, 410, 422, 501, 505, 302]) {
    it(`${status} is permanent`, async () => {
      const outcome = await classifyResponse(answer(status));
      assert.equal(outcome.kind, 'permanent');
      assert.equal(outcome.kind === 'permanent' && outcome.status, status);
    });
  }

  it('says in plain words what the downstream answered, with its error code and message', async () => {
    const outcome = await classifyResponse(answer(422, { status: 'ERROR', errorCode: 'E17', message: 'IBAN checksum is wrong' }));
    assert.equal(outcome.kind, 'permanent');
    if (outcome.kind !== 'permanent') return;
    assert.equal(outcome.error, 'HTTP 422 Unprocessable Entity: E17 IBAN checksum is wrong');
    assert.equal(outcome.detail, '{"status":"ERROR","errorCode":"E17","message":"IBAN checksum is wrong"}');
  });

  it('finds the error code and message under common names and nestings', async () => {
    const cases: [unknown, RegExp][] = [
      [{ code: 'BAD_BRANCH', errorMessage: 'unknown branch' }, /BAD_BRANCH unknown branch/],
      [{ error: 'invalid_request', error_description: 'missing iban' }, /invalid_request missing iban/],
      [{ error: { code: 'X1', message: 'nested' } }, /X1 nested/],
      [{ errors: [{ code: 'V9', detail: 'first of many' }] }, /V9 first of many/],
      [{ title: 'Bad Request', detail: 'problem+json' }, /Bad Request/],
    ];
    for (const [body, expected] of cases) {
      const outcome = await classifyResponse(answer(400, body));
      assert.match(outcome.kind === 'permanent' ? outcome.error : '', expected, JSON.stringify(body));
    }
  });

  it('keeps at most 2 KB of the response body as detail', async () => {
    const outcome = await classifyResponse(answer(500, 'é'.repeat(5_000)));
    assert.equal(outcome.kind, 'transient');
    const detail = outcome.kind === 'transient' ? (outcome.detail ?? '') : '';
    assert.ok(Buffer.byteLength(detail) <= 2048, `${Buffer.byteLength(detail)} bytes`);
    assert.ok(detail.startsWith('éé'));
    assert.ok(!detail.includes('\uFFFD'));
  });

  it('reads Retry-After on a transient answer, in seconds or as an HTTP date', async () => {
    const seconds = await classifyResponse(answer(429, '', { 'retry-after': '3' }));
    assert.equal(seconds.kind === 'transient' && seconds.retryAfterMs, 3000);
    const date = await classifyResponse(answer(503, '', { 'retry-after': new Date(Date.now() + 60_000).toUTCString() }));
    const ms = date.kind === 'transient' ? (date.retryAfterMs ?? 0) : 0;
    assert.ok(ms > 55_000 && ms <= 60_000, `${ms}`);
  });

  describe('with a success check', () => {
    const statusIsSuccess: SuccessCheck = async (body) => {
      const status = (body as { status?: string })?.status;
      return { ok: status === 'SUCCESS' };
    };

    it('a 200 that passes is a success; the check gets the parsed JSON', async () => {
      let seen: unknown;
      const outcome = await classifyResponse(answer(200, { status: 'SUCCESS' }), async (body) => {
        seen = body;
        return { ok: true };
      });
      assert.equal(outcome.kind, 'success');
      assert.deepEqual(seen, { status: 'SUCCESS' });
    });

    it('a 200 that fails is permanent with the body code and message and HTTP status 200', async () => {
      const outcome = await classifyResponse(answer(200, { status: 'ERROR', errorCode: 'E42', message: 'account closed' }), statusIsSuccess);
      assert.equal(outcome.kind, 'permanent');
      if (outcome.kind !== 'permanent') return;
      assert.equal(outcome.status, 200);
      assert.match(outcome.error, /HTTP 200 OK.*E42 account closed/);
      assert.match(outcome.detail ?? '', /"errorCode":"E42"/);
    });

    it("the check's own code and message win over the body's", async () => {
      const outcome = await classifyResponse(answer(200, { status: 'ERROR', errorCode: 'E42' }), async () => ({ ok: false, code: 'C1', message: 'custom' }));
      assert.match(outcome.kind === 'permanent' ? outcome.error : '', /C1 custom/);
    });

    it('a check that throws is permanent, naming the reason', async () => {
      const outcome = await classifyResponse(answer(200, 'not json'), async () => {
        throw new Error('expression failed');
      });
      assert.equal(outcome.kind, 'permanent');
      assert.match(outcome.kind === 'permanent' ? outcome.error : '', /expression failed/);
    });

    it('a check that judges at once (a compiled expression) counts as one that judges in a promise, its throw too', async () => {
      const judgeAtOnce: SuccessCheck = (body) => ({ ok: (body as { status?: string })?.status === 'SUCCESS' });
      assert.equal((await classifyResponse(answer(200, { status: 'SUCCESS' }), judgeAtOnce)).kind, 'success');
      const failed = await classifyResponse(answer(200, { status: 'ERROR', errorCode: 'E42', message: 'account closed' }), judgeAtOnce);
      assert.match(failed.kind === 'permanent' ? failed.error : '', /HTTP 200 OK.*E42 account closed/);
      const thrown = await classifyResponse(answer(200, 'not json'), () => {
        throw new Error('expression failed');
      });
      assert.match(thrown.kind === 'permanent' ? thrown.error : '', /success check failed: .*expression failed/);
    });

    it('is not asked about non-2xx answers', async () => {
      let asked = false;
      await classifyResponse(answer(503), async () => {
        asked = true;
        return { ok: true };
      });
      assert.equal(asked, false);
    });
  });
});

describe('classifyError', () => {
  it('timeouts and connection failures are transient', () => {
    assert.equal(classifyError(new RequestTimeoutError('POST', 'http://x/a', 100)).kind, 'transient');
    const refused = classifyError(new ConnectionFailedError('POST', 'http://x/a', 'ECONNREFUSED', 'connect ECONNREFUSED'));
    assert.equal(refused.kind, 'transient');
    assert.match(refused.kind === 'transient' ? refused.error : '', /ECONNREFUSED/);
  });

  it('a token endpoint failure is transient or permanent as it says', () => {
    assert.equal(classifyError(new TokenRequestError('http://t', 'HTTP 503', { transient: true, status: 503 })).kind, 'transient');
    const refused = classifyError(new TokenRequestError('http://t', 'HTTP 401 Unauthorized: invalid_client', { transient: false, status: 401 }));
    assert.equal(refused.kind, 'permanent');
    assert.match(refused.kind === 'permanent' ? refused.error : '', /token endpoint.*invalid_client/);
  });

  it('anything else is permanent', () => {
    assert.equal(classifyError(new TypeError('bad header value')).kind, 'permanent');
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds, HTTP dates, and ignores nonsense', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:00:05 GMT', now), 5_000);
    assert.equal(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now), 0, 'a date in the past means now');
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(undefined, now), undefined);
  });
});
