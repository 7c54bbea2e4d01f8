import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { correctPayload, CorrectionRefusedError } from '../../../lib/corrections';
import { InvalidRequestError } from '../../../lib/errors';
import { getErrorPayload, listEvents, type Store } from '../../../lib/store';
import { describeEachDatabase, openTestStore } from '../../support/stores';
import { failedBatch } from './failed-batch';

const SCHEMA = JSON.stringify({
  type: 'object',
  required: ['employeeNumber', 'iban'],
  properties: {
    employeeNumber: { type: 'integer' },
    iban: { type: 'string', pattern: '^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$' },
    currency: { type: 'string', default: 'EUR' },
  },
});

describeEachDatabase('correctPayload', (kind) => {
  let store: Store;
  before(async () => {
    store = await openTestStore(kind);
  });
  after(async () => {
    await store.close();
  });

  it('refuses a correction that breaks the batch row schema, in plain words, and changes nothing', async () => {
    const { errorPayloads } = await failedBatch(store, { totalRows: 1, rowSchema: SCHEMA, failures: [{ row: 1, errorKind: 'validation', payload: null }] });
    const [failed] = errorPayloads;
    await assert.rejects(correctPayload(store, { id: failed.id, payload: { employeeNumber: 'abc', iban: 'XX' }, actor: 'alice' }), (error: Error) => {
      assert.ok(error instanceof CorrectionRefusedError);
      assert.match(error.message, new RegExp(`^correction of error payload ${failed.id} refused: `));
      assert.match(error.message, /column "employeeNumber": value "abc"/);
      assert.match(error.message, /column "iban"/);
      assert.equal(error.errors.length, 2);
      return true;
    });
    const unchanged = await getErrorPayload(store, failed.id);
    assert.equal(unchanged.payload, null);
    const actions = (await listEvents(store, { entity: 'error_payload', entityId: failed.id })).map((event) => event.action);
    assert.deepEqual(actions, ['row-failed'], 'a refused correction is not an action');
  });

  it('stores a passing correction as the schema reads it (types converted, defaults filled), the original untouched', async () => {
    const { errorPayloads } = await failedBatch(store, { totalRows: 1, rowSchema: SCHEMA, failures: [{ row: 1, errorKind: 'validation', payload: null }] });
    const [failed] = errorPayloads;
    const corrected = await correctPayload(store, { id: failed.id, payload: '{"employeeNumber":"1001","iban":"DE89370400440532013000"}', actor: 'alice' });
    assert.deepEqual(JSON.parse(corrected.payload!), { employeeNumber: 1001, iban: 'DE89370400440532013000', currency: 'EUR' });
    assert.equal(corrected.original_payload, failed.original_payload);
    const [failedEvent, event] = await listEvents(store, { entity: 'error_payload', entityId: failed.id });
    assert.equal(failedEvent.action, 'row-failed', 'the row failing is named by the error payload id too');
    assert.deepEqual([event.action, event.actor], ['corrected', 'alice']);
  });

  it('accepts any JSON object for a batch processed without a schema, and refuses what is not an object', async () => {
    const { errorPayloads } = await failedBatch(store, { totalRows: 1, rowSchema: null, failures: [{ row: 1 }] });
    const [failed] = errorPayloads;
    const corrected = await correctPayload(store, { id: failed.id, payload: { anything: ['goes'] }, actor: 'alice' });
    assert.equal(corrected.payload, '{"anything":["goes"]}');
    await assert.rejects(correctPayload(store, { id: failed.id, payload: '[1,2]', actor: 'alice' }), InvalidRequestError);
    await assert.rejects(correctPayload(store, { id: failed.id, payload: '{oops', actor: 'alice' }), /not valid JSON/);
  });
});
