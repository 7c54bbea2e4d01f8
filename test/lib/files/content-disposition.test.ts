import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { asciiFileName, contentDisposition } from '../../../lib/files';

/** The name a client gets back from `filename*` (RFC 8187: UTF-8, percent-encoded). */
function decodedName(header: string): string {
  const match = /filename\*=UTF-8''([^;\s]+)$/.exec(header);
  assert.ok(match, `no filename* in ${header}`);
  return decodeURIComponent(match[1]);
}

describe('contentDisposition', () => {
  it('keeps a plain name readable in both forms', () => {
    assert.equal(contentDisposition('bank.replay-7.csv'), `attachment; filename="bank.replay-7.csv"; filename*=UTF-8''bank.replay-7.csv`);
  });

  it('turns quotes, semicolons, CR/LF and letters outside ASCII into one safe header line, the exact name in filename*', () => {
    for (const name of ['Geh\u00e4lter "M\u00e4rz"; final.csv', 'bank.csv\r\nSet-Cookie: admin=1', 'a\\b%41.csv', "it's (v2)*.csv", '\u65e5\u672c.csv']) {
      const header = contentDisposition(name);
      assert.doesNotMatch(header, /[\r\n\u0000-\u001f\u007f]/, `no control character in ${JSON.stringify(header)}`);
      assert.match(header, /^[\x20-\x7e]+$/, 'printable ASCII only');
      // One quoted fallback without an inner quote, backslash or semicolon, then filename*.
      const fallback = /^attachment; filename="([^"]*)"; filename\*=/.exec(header);
      assert.ok(fallback, header);
      assert.doesNotMatch(fallback[1], /["\\;%]/);
      assert.equal(decodedName(header), name, 'filename* carries the name unchanged');
    }
    assert.equal(asciiFileName('Geh\u00e4lter "M\u00e4rz"; final.csv'), 'Geh_lter _M_rz__ final.csv');
    assert.equal(asciiFileName('\u65e5\u672c'), '__');
    assert.equal(asciiFileName(''), 'download');
  });

  it('is accepted by Node as a header value and arrives as one header', async () => {
    const header = contentDisposition('bank.csv\r\nX-Injected: yes');
    const server = http.createServer((_req, res) => {
      res.setHeader('Content-Disposition', header);
      res.end('x');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      await response.text();
      assert.equal(response.headers.get('content-disposition'), header);
      assert.equal(response.headers.get('x-injected'), null);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
