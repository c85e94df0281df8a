// Unit tests for utf8Length: it agrees with TextEncoder on every kind of character.
import { describe, expect, it } from 'vitest';
import { utf8Length } from './utf8';

describe('utf8Length', () => {
  it('counts what TextEncoder writes', () => {
    for (const text of [
      '',
      'abc',
      'é',
      '€',
      '日本語',
      '😀',
      'a😀b',
      '\ud800',
      'x\udc00y',
      '\ud800\ud800',
      '{"a":"ü"}',
    ]) {
      expect(utf8Length(text)).toBe(new TextEncoder().encode(text).byteLength);
    }
  });
});
