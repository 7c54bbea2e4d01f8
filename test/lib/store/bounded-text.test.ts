import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { boundJson, boundNullableText, boundText, MAX_STORED_TEXT_CHARS } from '../../../lib/store/bounded-text';

describe('boundText', () => {
  it('keeps a text that fits, unchanged', () => {
    const text = 'x'.repeat(MAX_STORED_TEXT_CHARS);
    assert.equal(boundText(text), text);
    assert.equal(boundNullableText(null), null);
    assert.equal(boundNullableText(''), '');
  });

  it('cuts a long text to the limit and says how long it was', () => {
    const text = `start ${'y'.repeat(1_000_000)}`;
    const bounded = boundText(text);
    assert.ok(bounded.length <= MAX_STORED_TEXT_CHARS, `${bounded.length} characters`);
    assert.ok(bounded.startsWith('start yyy'));
    assert.match(bounded, new RegExp(`${text.length} characters in all\\]$`));
    assert.equal(boundText(text, 100).length <= 100, true);
  });

  it('never splits a surrogate pair', () => {
    const text = '😀'.repeat(5000);
    const bounded = boundText(text, 1001);
    const excerpt = bounded.slice(0, bounded.indexOf('…'));
    assert.equal(Buffer.from(excerpt, 'utf8').toString('utf8'), excerpt, 'no lone surrogate (it would turn into U+FFFD)');
    assert.ok(excerpt.length > 900);
  });
});

describe('boundJson', () => {
  it('is the JSON itself when it fits', () => {
    assert.equal(boundJson({ reason: 'ok' }), '{"reason":"ok"}');
  });

  it('stays valid JSON, bounded, even when escapes make the excerpt longer', () => {
    for (const filler of ['a', '"', '\u0000', '\n']) {
      const detail = { reason: filler.repeat(100_000) };
      const bounded = boundJson(detail);
      assert.ok(bounded.length <= MAX_STORED_TEXT_CHARS, `${JSON.stringify(filler)}: ${bounded.length} characters`);
      const parsed = JSON.parse(bounded) as { cut: string; excerpt: string };
      assert.equal(parsed.cut, `${JSON.stringify(detail).length} characters in all`);
      assert.ok(parsed.excerpt.startsWith('{"reason":"'));
      assert.ok(parsed.excerpt.length > 500, `excerpt of ${parsed.excerpt.length} characters`);
    }
  });
});
