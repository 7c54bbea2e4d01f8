import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileNameMatcher, isUnfinishedName } from '../../../lib/files';

describe('fileNameMatcher', () => {
  it('matches * and ? against the whole name, case-insensitively, and nothing else as a wildcard', () => {
    const csv = fileNameMatcher('*.csv');
    assert.equal(csv('bank.csv'), true);
    assert.equal(csv('BANK.CSV'), true);
    assert.equal(csv('bank.csv.bak'), false);
    assert.equal(csv('bankxcsv'), false);
    const dated = fileNameMatcher('bank-??.csv');
    assert.equal(dated('bank-01.csv'), true);
    assert.equal(dated('bank-1.csv'), false);
    assert.equal(fileNameMatcher('a+(b).csv')('a+(b).csv'), true);
  });

  it('takes several patterns separated by commas, and a RegExp as it is', () => {
    const either = fileNameMatcher('*.csv, *.txt');
    assert.equal(either('a.txt'), true);
    assert.equal(either('a.json'), false);
    assert.equal(fileNameMatcher(/^hr-\d+\.csv$/)('hr-12.csv'), true);
  });

  it('knows the names of unfinished files', () => {
    for (const name of ['.hidden.csv', 'a.csv.tmp', 'a.csv.part', 'a.csv~', 'a.csv.crdownload']) assert.equal(isUnfinishedName(name), true, name);
    assert.equal(isUnfinishedName('bank.csv'), false);
  });
});
