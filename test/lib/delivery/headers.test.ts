import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { joinPath } from '../../../lib/delivery/endpoint-url';
import { listHasHeader, MergedHeaders, type HeaderSet } from '../../../lib/delivery/headers';

/** The plain merge MergedHeaders must agree with: by lower-case name, later sources winning (as the client merged before). */
function mergeHeaders(...sources: (HeaderSet | undefined)[]): HeaderSet {
  const byName = new Map<string, [string, string]>();
  for (const source of sources) {
    for (const [name, value] of Object.entries(source ?? {})) byName.set(name.toLowerCase(), [name, value]);
  }
  return Object.fromEntries(byName.values());
}

/** Names and values in order: what goes on the wire, name case included. */
const entriesOf = (headers: HeaderSet) => Object.entries(headers);

describe('MergedHeaders', () => {
  const endpoint = { 'X-Tenant': 'acme', 'Content-Type': 'application/xml', 'X-Source': 'config' };
  const auth = { Authorization: 'Basic YTpi' };

  it("lets a request's own header replace the endpoint's of the same name in another case, in the endpoint's place", () => {
    const merged = new MergedHeaders(endpoint, auth).with({ 'x-source': 'request', 'Idempotency-Key': 'bsync-1-1' });
    assert.deepEqual(entriesOf(merged), [
      ['X-Tenant', 'acme'],
      ['Content-Type', 'application/xml'],
      ['x-source', 'request'],
      ['Authorization', 'Basic YTpi'],
      ['Idempotency-Key', 'bsync-1-1'],
    ]);
  });

  it('gives what mergeHeaders gives for the same sources, for every split between endpoint and request', () => {
    const sources: (HeaderSet | undefined)[] = [
      endpoint,
      auth,
      undefined,
      { 'IDEMPOTENCY-KEY': 'first', 'X-Row': '1', authorization: 'Bearer row' },
      { 'Idempotency-Key': 'second', 'x-row': '2', 'X-New': 'n' },
      { 'content-type': 'text/csv' },
    ];
    for (let split = 0; split <= sources.length; split += 1) {
      const merged = new MergedHeaders(...sources.slice(0, split)).with(...sources.slice(split));
      assert.deepEqual(entriesOf(merged), entriesOf(mergeHeaders(...sources)), `split at ${split}`);
    }
  });

  it('returns a new object each time, so a request adding a header does not change the next one', () => {
    const headers = new MergedHeaders(endpoint);
    const first = headers.with();
    first['X-Added'] = 'once';
    const second = headers.with({ 'X-Row': '2' });
    second['X-Other'] = 'twice';
    assert.deepEqual(entriesOf(headers.with()), entriesOf(endpoint));
    assert.notEqual(first, headers.with());
  });

  it('keeps a header named __proto__ as a header, as mergeHeaders does', () => {
    const odd = JSON.parse('{"__proto__": "x"}') as HeaderSet;
    const merged = new MergedHeaders(endpoint).with(odd);
    assert.deepEqual(entriesOf(merged), entriesOf(mergeHeaders(endpoint, odd)));
    assert.equal(Object.getPrototypeOf(merged), Object.prototype);
  });
});

describe('MergedHeaders.listWith', () => {
  const endpoint = { 'X-Tenant': 'acme', 'Content-Type': 'application/xml', 'X-Source': 'config' };
  const sources: (HeaderSet | undefined)[] = [
    endpoint,
    { Authorization: 'Basic YTpi' },
    undefined,
    { 'IDEMPOTENCY-KEY': 'first', 'X-Row': '1', authorization: 'Bearer row' },
    { 'Idempotency-Key': 'second', 'x-row': '2', 'X-New': 'n' },
  ];

  it("gives with()'s names and values in with()'s order as undici's flat list, for every split", () => {
    for (let split = 0; split <= sources.length; split += 1) {
      const headers = new MergedHeaders(...sources.slice(0, split));
      const list = headers.listWith(...sources.slice(split));
      assert.deepEqual(list, entriesOf(headers.with(...sources.slice(split))).flat(), `split at ${split}`);
      assert.deepEqual(list, entriesOf(mergeHeaders(...sources)).flat(), `split at ${split}`);
    }
  });

  it('puts a name that is an array index where an object puts it, first, and keeps __proto__', () => {
    const odd = JSON.parse('{"__proto__": "x", "7": "seven", "X-Late": "l", "12": "twelve", "01": "not an index"}') as HeaderSet;
    const headers = new MergedHeaders(endpoint);
    const list = headers.listWith(odd);
    assert.deepEqual(list, entriesOf(mergeHeaders(endpoint, odd)).flat());
    assert.deepEqual(list.slice(0, 4), ['7', 'seven', '12', 'twelve']);
    assert.ok(list.includes('__proto__'));
  });

  it('returns a new list each time, so a request adding a header does not change the next one', () => {
    const headers = new MergedHeaders(endpoint);
    headers.listWith().push('X-Added', 'once');
    assert.deepEqual(headers.listWith(), entriesOf(endpoint).flat());
  });

  it('finds a name in the list in any case, and only among the names', () => {
    const list = new MergedHeaders(endpoint).listWith({ 'X-Value': 'authorization' });
    assert.equal(listHasHeader(list, 'content-type'), true);
    assert.equal(listHasHeader(list, 'X-VALUE'), true);
    assert.equal(listHasHeader(list, 'authorization'), false);
    assert.equal(listHasHeader([], 'content-type'), false);
  });
});

describe('joinPath', () => {
  it('puts exactly one slash between the prefix and the path, however many the path starts with', () => {
    assert.equal(joinPath('/api/v1', 'employees/1'), '/api/v1/employees/1');
    assert.equal(joinPath('/api/v1', '/employees/1'), '/api/v1/employees/1');
    assert.equal(joinPath('/api/v1', '///employees//1/'), '/api/v1/employees//1/');
    assert.equal(joinPath('', '/'), '/');
    assert.equal(joinPath('', ''), '/');
  });
});
