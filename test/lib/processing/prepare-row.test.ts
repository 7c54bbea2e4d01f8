import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rowOriginal } from '../../../lib/csv';
import { fillPathTemplate } from '../../../lib/processing/path-template';
import { prepareRow } from '../../../lib/processing/prepare-row';
import { DEFAULT_SETTINGS, type ProcessorSettings } from '../../../lib/processing/processor-settings';
import { compileRowSchema } from '../../../lib/validation';

function settings(overrides: Partial<ProcessorSettings>): ProcessorSettings {
  return {
    ...DEFAULT_SETTINGS,
    request: { method: 'PUT', pathTemplate: '/employees/{employeeNumber}/bank-connections' },
    folders: { archive: '/unused/archive', failed: '/unused/failed' },
    ...overrides,
  };
}

describe('prepareRow: the path addresses the record the file names', () => {
  it('fills the path from the cell as read, whatever the schema and the mapping made of the value', async () => {
    const prepared = await prepareRow(
      { employeeNumber: '0042', iban: 'NL91' },
      settings({
        validator: compileRowSchema({ type: 'object', properties: { employeeNumber: { type: 'string' } } }),
        // A mapping that turns the number into a JSON number (as a JSONata $number() would).
        map: async (row) => ({ employeeNumber: Number(row.employeeNumber), account: { iban: row.iban }, tenant: 'acme' }),
      }),
    );
    assert.deepEqual(prepared, {
      ok: true,
      path: '/employees/0042/bank-connections',
      body: '{"employeeNumber":42,"account":{"iban":"NL91"},"tenant":"acme"}',
      value: { employeeNumber: 42, account: { iban: 'NL91' }, tenant: 'acme' },
    });
  });

  it('takes a name the row has no column for from the mapped body', async () => {
    const prepared = await prepareRow(
      { employeeNumber: '7' },
      settings({ request: { method: 'PUT', pathTemplate: '/tenants/{tenant}/employees/{employeeNumber}' }, map: async () => ({ tenant: 'a/b', employeeNumber: 8 }) }),
    );
    assert.equal(prepared.ok && prepared.path, '/tenants/a%2Fb/employees/7');
  });

  it('never sends a row whose number would change on the way', async () => {
    const prepared = await prepareRow(
      { employeeNumber: '9007199254740993' },
      settings({ validator: compileRowSchema({ type: 'object', properties: { employeeNumber: { type: 'integer' } } }) }),
    );
    assert.equal(prepared.ok, false);
    assert.ok(!prepared.ok && prepared.errorKind === 'validation' && prepared.error.includes('would be sent as 9007199254740992'));
  });

  it('never sends the stored original of a ragged row as it is (a resend without a correction)', async () => {
    const original = JSON.parse(rowOriginal({ record: { employeeNumber: '7', iban: 'NL91' }, fields: ['7', 'NL91', 'EXTRA'] }, ['employeeNumber', 'iban'])) as Record<string, unknown>;
    const prepared = await prepareRow(original, settings({}));
    assert.deepEqual(prepared, {
      ok: false,
      errorKind: 'validation',
      error: 'the row cannot be sent as read: it has 3 fields, the header has 2; correct it (without bsync_fields and bsync_columns) first',
      errorDetail: null,
      body: null,
    });
    assert.equal((await prepareRow({ employeeNumber: '7', iban: 'NL91' }, settings({}))).ok, true, 'the corrected row goes');
  });

  it('refuses a path value that is a list or an object, and a value only inherited', () => {
    assert.throws(() => fillPathTemplate('/x/{id}', { id: { a: 1 } }), /is a list or an object/);
    assert.throws(() => fillPathTemplate('/x/{constructor}', {}), /the row has no value for \{constructor\}/);
    assert.equal(fillPathTemplate('/x/{id}', { id: ' 42 ' }), '/x/%2042%20', 'text goes in byte for byte, only encoded');
  });

  it('a row prepared for its group (its own body never sent) has no body text, the same value and path; one that fails keeps its text', async () => {
    const record = { employeeNumber: '0042', iban: 'NL91' };
    const validator = compileRowSchema({ type: 'object', properties: { iban: { type: 'string', default: 'x' }, country: { type: 'string', default: 'NL' } } });
    const alone = await prepareRow(record, settings({ validator }));
    const grouped = await prepareRow(record, { ...settings({ validator }), ownBodySent: false });
    assert.deepEqual(grouped, { ...alone, body: '' });
    assert.ok(alone.ok && alone.body === '{"employeeNumber":"0042","iban":"NL91","country":"NL"}');

    const pathless = { ...settings({ validator }), request: { method: 'PUT' as const, pathTemplate: '/x/{missing}' } };
    assert.deepEqual(await prepareRow(record, { ...pathless, ownBodySent: false }), await prepareRow(record, pathless));
  });
});
