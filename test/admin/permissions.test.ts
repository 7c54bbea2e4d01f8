// bsync.read / bsync.write matched as Node-RED matches permissions, the actor of a change, and the reading
// of path ids and refusals.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { actorOfUser, hasPermission, refusalOf } from '../../lib/admin';
import { pathId, queryFields } from '../../lib/admin/request-fields';
import { InvalidRequestError, NotFoundError } from '../../lib/errors';

describe('admin permissions', () => {
  it('grants bsync.read and bsync.write the way Node-RED grants its own permissions', () => {
    const cases: [unknown, boolean, boolean][] = [
      ['*', true, true],
      ['read', true, false],
      ['*.read', true, false],
      ['write', false, true],
      [['read', 'bsync.write'], true, true],
      [['bsync.read'], true, false],
      [['bsync.read', 'bsync.write'], true, true],
      [['flows.read', 'flows.write'], false, false],
      ['bsync', false, false],
      [[], false, false],
      [undefined, false, false],
    ];
    for (const [scope, read, write] of cases) {
      assert.equal(hasPermission(scope, 'bsync.read'), read, `${JSON.stringify(scope)} → bsync.read`);
      assert.equal(hasPermission(scope, 'bsync.write'), write, `${JSON.stringify(scope)} → bsync.write`);
    }
  });

  it('names the editor user, or anonymous as Node-RED calls a user without admin auth', () => {
    assert.equal(actorOfUser({ username: 'alice', permissions: '*' }), 'alice');
    assert.equal(actorOfUser({ anonymous: true, permissions: 'read' }), 'anonymous');
    assert.equal(actorOfUser(undefined), 'anonymous');
    assert.equal(actorOfUser({ username: '' }), 'anonymous');
  });

  it('reads path ids as whole numbers from 1, nothing else', () => {
    assert.equal(pathId('batch', '12'), 12);
    for (const bad of ['abc', '0', '-1', '1.5', ' 1', '1e3', '', '9999999999999999']) {
      assert.throws(() => pathId('batch', bad), InvalidRequestError, bad);
    }
    assert.throws(() => pathId('batch', 'abc'), /^InvalidRequestError: "abc" is not a batch id: ids are whole numbers from 1$/);
    assert.throws(() => pathId('error payload', 'x'), /^InvalidRequestError: "x" is not an error payload id/);
  });

  it('answers an id above what the id columns hold as not found, before it reaches the database', () => {
    assert.equal(pathId('batch', '2147483647'), 2147483647);
    assert.throws(() => pathId('batch', '2147483648'), (error: unknown) => error instanceof NotFoundError && error.message === 'batch 2147483648 does not exist');
  });

  it('refuses a filter it does not know, and one given twice', () => {
    assert.deepEqual(queryFields({ status: ['NEW', 'READY'] }, ['status']), { status: ['NEW', 'READY'] });
    assert.throws(() => queryFields({ colour: 'red' }, ['status']), /unknown filter "colour": use status/);
    assert.throws(() => queryFields({ limit: ['1', '2'] }, ['limit']), /filter limit must be given once/);
  });

  it('puts a schema refusal at its column', () => {
    assert.deepEqual(refusalOf('column "iban": value "x" does not match the pattern ^[A-Z]+$'), { field: 'iban', message: 'column "iban": value "x" does not match the pattern ^[A-Z]+$' });
    assert.deepEqual(refusalOf('column "address.city" is required'), { field: 'address.city', message: 'column "address.city" is required' });
    assert.equal(refusalOf('the row is not an object').field, null);
  });
});
