import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidRequestError } from '../../../lib/errors';
import { compileGroupPattern, groupFromFileName, sniffContentType } from '../../../lib/parking';

describe('group pattern', () => {
  it('refuses a pattern that does not compile or names no group', () => {
    assert.throws(() => compileGroupPattern('(?<groupType>[a-z'), (error: unknown) => error instanceof InvalidRequestError && /not a valid regular expression/.test(error.message));
    assert.throws(() => compileGroupPattern('^([a-z]+)_\\d+\\.csv$'), /has no named group: use \(\?<groupType>…\) and\/or \(\?<groupId>…\)/);
  });

  it('reads only the groups the pattern names; an empty optional group is no group', () => {
    const pattern = compileGroupPattern('^(?<groupId>[a-z]+)(-(?<groupType>[a-z]+))?\\.csv$');
    assert.deepEqual(groupFromFileName(pattern, 'acme.csv'), { groupType: undefined, groupId: 'acme' });
    assert.deepEqual(groupFromFileName(pattern, 'acme-payroll.csv'), { groupType: 'payroll', groupId: 'acme' });
    assert.equal(groupFromFileName(pattern, 'ACME.txt'), undefined);
  });
});

describe('content type of a string payload', () => {
  it('sniffs XML, SOAP, JSON and text', () => {
    assert.equal(sniffContentType('\uFEFF <a/>'), 'application/xml');
    assert.equal(sniffContentType('<?xml version="1.0"?><s:Envelope xmlns:s="x"/>'), 'application/soap+xml');
    assert.equal(sniffContentType('{"a":1}'), 'application/json');
    assert.equal(sniffContentType('{not json'), 'text/plain');
    assert.equal(sniffContentType('E7;DE89'), 'text/plain');
  });
});
