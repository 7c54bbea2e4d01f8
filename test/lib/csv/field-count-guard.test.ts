// The field-count guard's quick path (indexOf over a chunk without quotes) finds exactly the too-wide records
// the byte-by-byte count finds, at the same line, with the same header flag: compared on generated texts of
// LF, CRLF and CR lines, blank lines, quotes (doubled, spanning lines) and long lines, cut into chunks anywhere.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FieldCountGuard, type TooWideRecord } from '../../../lib/csv/field-count-guard';
import { seededRandom } from '../../support/seeded-random';

/** The rule itself, a byte at a time: a delimiter outside quotes starts another field; a line break a record. */
function byteByByte(text: Buffer, maxFields: number): TooWideRecord | undefined {
  let inQuotes = false;
  let fields = 1;
  let hasText = false;
  let records = 0;
  let line = 1;
  let recordLine = 1;
  for (const byte of text) {
    if (byte === 0x0a) line += 1;
    if (byte === 0x22) {
      inQuotes = !inQuotes;
      hasText = true;
    } else if (inQuotes) {
      continue;
    } else if (byte === 0x2c) {
      fields += 1;
      hasText = true;
      if (fields > maxFields) return { line: recordLine, first: records === 0 };
    } else if (byte === 0x0a || byte === 0x0d) {
      if (hasText) records += 1;
      fields = 1;
      hasText = false;
      recordLine = line;
    } else {
      hasText = true;
    }
  }
  return undefined;
}


const PIECES = ['a', 'bc', ',', ',', ',', ',,,,', '\n', '\n', '\r\n', '\r', '"', '""', 'é', ' '];

function generated(next: () => number, withQuotes: boolean): Buffer {
  let text = '';
  const pieces = Math.floor(next() * 120);
  for (let index = 0; index < pieces; index += 1) {
    const piece = PIECES[Math.floor(next() * PIECES.length)];
    if (!withQuotes && piece.includes('"')) continue;
    text += piece;
  }
  return Buffer.from(text, 'utf8');
}

function guarded(text: Buffer, maxFields: number, cuts: number[]): TooWideRecord | undefined {
  const guard = new FieldCountGuard(',', '"', maxFields);
  let at = 0;
  for (const cut of [...cuts, text.length]) {
    const found = guard.scan(text.subarray(at, cut));
    if (found) return found;
    at = cut;
  }
  return undefined;
}

describe('FieldCountGuard', () => {
  it('finds the same too-wide record as a count byte by byte, wherever the chunks are cut', () => {
    let tooWide = 0;
    let quick = 0;
    for (let seed = 1; seed <= 3000; seed += 1) {
      const next = seededRandom(seed);
      const text = generated(next, next() < 0.4);
      const maxFields = 1 + Math.floor(next() * 8);
      const cuts = [...new Set(Array.from({ length: Math.floor(next() * 5) }, () => Math.floor(next() * (text.length + 1))))].sort((a, b) => a - b);
      const expected = byteByByte(text, maxFields);
      assert.deepEqual(guarded(text, maxFields, cuts), expected, `seed ${seed}: ${JSON.stringify(text.toString())} max ${maxFields} cuts ${cuts}`);
      if (expected) tooWide += 1;
      if (!text.includes(0x22)) quick += 1;
    }
    // Both outcomes and both paths were exercised.
    assert.ok(tooWide > 300 && tooWide < 2700, `${tooWide} too wide`);
    assert.ok(quick > 1000, `${quick} without quotes`);
  });

  it('refuses a long line of a plain file at its record, after plain lines in earlier chunks', () => {
    const guard = new FieldCountGuard(',', '"', 4);
    assert.equal(guard.scan(Buffer.from('a,b\r\nc,d\r')), undefined);
    assert.equal(guard.scan(Buffer.from('\n\ne,f\n1,2,3,')), undefined);
    assert.deepEqual(guard.scan(Buffer.from('4,5\n')), { line: 5, first: false });
    const header = new FieldCountGuard(',', '"', 2);
    assert.deepEqual(header.scan(Buffer.from('\n\r\na,b,c\n')), { line: 3, first: true });
  });
});
