// The path template is split once and remembers the last values it filled: the paths and the errors must be
// the ones String.replace over the template gave, row after row, whatever came before.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fillPathTemplate, fillPathTemplateOver } from '../../../lib/processing/path-template';

/** The template filled the plain way, field by field in order, as it was before. */
function replaced(template: string, values: Record<string, unknown>): string {
  return template.replace(/\{([^{}]+)\}/g, (_match, field: string) => {
    const name = field.trim();
    const value = Object.prototype.hasOwnProperty.call(values, name) ? values[name] : undefined;
    if (value === undefined || value === null || value === '') throw new Error(`path ${template}: the row has no value for {${name}}`);
    if (typeof value === 'object') throw new Error(`path ${template}: the value for {${name}} is a list or an object, not one value`);
    return encodeURIComponent(String(value));
  });
}

function outcome(fill: () => string): string {
  try {
    return `ok ${fill()}`;
  } catch (error) {
    return `error ${(error as Error).message}`;
  }
}

describe('fillPathTemplate', () => {
  const template = '/accounts/{ accountId }/contacts/{contactId}{suffix}?x={accountId}';
  const rows: Array<Record<string, unknown>> = [
    { accountId: 'A 1/x', contactId: 'c1', suffix: '.json' },
    { accountId: 'A 1/x', contactId: 'c1', suffix: '.json' },
    { accountId: 'A 1/x', contactId: 'c2', suffix: '.json' },
    { accountId: 'A 1/x', contactId: '', suffix: '.json' },
    { accountId: 'A 1/x', contactId: 'c2', suffix: '.json' },
    { accountId: 7, contactId: 'c2', suffix: '.json' },
    { accountId: '7', contactId: 'c2', suffix: '.json' },
    { accountId: -0, contactId: true, suffix: 0 },
    { accountId: 'lone \ud800', contactId: undefined, suffix: 'x' },
    { accountId: 'Zoë', contactId: { id: 1 }, suffix: 'x' },
    { accountId: 'Zoë', contactId: ['a'], suffix: null },
    { accountId: 'Zoë', contactId: 'c3' },
    { accountId: 'Zoë', contactId: 'c3', suffix: 's' },
    { accountId: 'Zoë', contactId: 'c3', suffix: 's' },
  ];

  it('gives, row after row, the path or the error the plain replace gives', () => {
    for (const row of rows) assert.equal(outcome(() => fillPathTemplate(template, row)), outcome(() => replaced(template, row)), JSON.stringify(row));
  });

  it('fills from the record first, then from the body, as over { ...body, ...record }', () => {
    const cases: Array<[Record<string, unknown>, Record<string, unknown>]> = [
      [{ accountId: 'A' }, { accountId: 'B', contactId: 'c', suffix: '-' }],
      [{ accountId: undefined }, { accountId: 'B', contactId: 'c', suffix: '-' }],
      [{}, { accountId: 'B', contactId: 8, suffix: '-' }],
      [{ contactId: 'c' }, Object.defineProperty({ accountId: 'B', suffix: '-' }, 'contactId', { value: 'hidden', enumerable: false })],
      [Object.defineProperty({ accountId: 'A', suffix: '-' }, 'contactId', { value: 'hidden', enumerable: false }), { contactId: 'shown' }],
    ];
    for (const [record, body] of cases) {
      assert.equal(outcome(() => fillPathTemplateOver(template, record, body)), outcome(() => replaced(template, { ...body, ...record })), JSON.stringify([record, body]));
    }
  });
});
