// Unit tests of the forms a configured secret is found in (hex, base64 of every alignment and alphabet, split across
// pieces), of the shapes that look like credentials but are not, and of text cut to size (redactCut).
import { describe, expect, it } from 'vitest';
import { expectNoMaterial } from '../testing/redaction-canaries';
import { createRedactor, encodedForms, REDACTED } from './redactor';

const SECRET = 'npm-canary-Zq8+/Wv7?xY';
const redactor = createRedactor([SECRET]);
const bytes = Buffer.from(SECRET);
const urlSafe = (text: string) => text.replace(/\+/g, '-').replace(/\//g, '_');

/** The characters of base64(prefix + secret + suffix) that only the secret decides (what must never leave). */
function core(prefixBytes: number): string {
  const k = prefixBytes % 3;
  const encoded = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
  return encoded.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6));
}

/** The secret inside a longer base64 stream, `before` and `after` bytes of other data around it. */
function embedded(before: number, after: number, alphabet: 'base64' | 'base64url', pad = true): string {
  const data = Buffer.concat([Buffer.from('x'.repeat(before)), bytes, Buffer.from('y'.repeat(after))]);
  const text = data.toString(alphabet === 'base64' ? 'base64' : 'base64url');
  return pad ? text : text.replace(/=+$/, '');
}

describe('a configured secret in other encodings', () => {
  it('is redacted as hex, in either case', () => {
    const hex = bytes.toString('hex');
    expect(redactor.redactText(`dump: ${hex} end`)).toBe(`dump: ${REDACTED} end`);
    expect(redactor.redactText(`DUMP: ${hex.toUpperCase()}`)).toBe(`DUMP: ${REDACTED}`);
  });

  it('is redacted as base64 of the secret alone: standard and url-safe, padded or not', () => {
    const alone = bytes.toString('base64');
    expect(alone).toMatch(/[+/=]/); // the secret was chosen so the two alphabets differ
    for (const form of [alone, alone.replace(/=+$/, ''), urlSafe(alone), urlSafe(alone).replace(/=+$/, '')]) {
      expect(redactor.redactText(`echo ${form} | base64 -d`)).toBe(`echo ${REDACTED} | base64 -d`);
    }
  });

  it('is redacted inside a longer base64 stream at every byte alignment, whatever surrounds it', () => {
    for (let before = 0; before < 6; before++) {
      for (let after = 0; after < 4; after++) {
        for (const alphabet of ['base64', 'base64url'] as const) {
          for (const pad of [true, false]) {
            const out = redactor.redactText(`blob=${embedded(before, after, alphabet, pad)};`);
            const material = alphabet === 'base64' ? core(before) : urlSafe(core(before));
            expect(out, `${before}+secret+${after} ${alphabet}`).toContain(REDACTED);
            expectNoMaterial(out, material, `${before} bytes before, ${after} after, ${alphabet}`);
          }
        }
      }
    }
  });

  it('is redacted as base64 and hex split across two pieces at any position, with or without a forced release', () => {
    const texts = [
      { text: `token: ${bytes.toString('base64')} ok`, material: core(0) },
      { text: `blob ${embedded(4, 5, 'base64url', false)} ok`, material: urlSafe(core(4)) },
      { text: `hex ${bytes.toString('hex')} ok`, material: bytes.toString('hex') },
    ];
    for (const { text, material } of texts) {
      for (let at = 0; at <= text.length; at++) {
        const joined = redactor.stream();
        const together = [...joined.push(text.slice(0, at)), ...joined.push(text.slice(at)), ...joined.finish()];
        expectNoMaterial(together.join('|'), material, `split at ${at}`);
        const forced = redactor.stream();
        const apart = [...forced.push(text.slice(0, at)), ...forced.finish(), ...forced.push(text.slice(at))];
        expectNoMaterial([...apart, ...forced.finish()].join('|'), material, `forced release at ${at}`);
      }
    }
  });

  it('derives every form from the bytes: hex in both cases, base64 alone and at the three alignments', () => {
    const forms = encodedForms(Buffer.from('abcdefgh'));
    expect(forms).toContain('6162636465666768');
    expect(forms).toContain('YWJjZGVmZ2g=');
    expect(forms).toContain('YWJjZGVmZ2g');
    // One filler byte before: base64("\0abcdefgh") is AGFiY2RlZmdo; its first two characters carry filler bits.
    expect(forms).toContain('FiY2RlZmdo');
  });
});

describe('credential shapes', () => {
  it('leaves identifiers and prose that share a prefix alone', () => {
    const prose = [
      'npm_config_registry=https://registry.npmjs.org/',
      'const cos_angle_between_two_vectors = Math.cos(theta);',
      'the sk_live_ prefix, rk_test_abc, xoxb-short, glpat-short, AIzaShort',
      'a base64 JSON header eyJhbGciOiJIUzI1NiJ9 without the rest of a JWT',
    ].join('\n');
    expect(redactor.redactText(prose)).toBe(prose);
  });

  it('redacts a JWT in a URL and in a header, keeping what is around it', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJjbGF1ZGVvcHMifQ.c2lnbmF0dXJlLWJ5dGVz';
    expect(redactor.redactText(`https://x.test/cb?id_token=${jwt}&state=1`)).toBe(
      `https://x.test/cb?id_token=${REDACTED}&state=1`,
    );
    expect(redactor.redactText(`x-token: ${jwt}`)).toBe(`x-token: ${REDACTED}`);
  });
});

describe('redactCut', () => {
  const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJjbGF1ZGVvcHMifQ.c2lnbmF0dXJlLWJ5dGVz';
  const key = `sk-ant-api03-${'Zx9_Yw8-Vu7'.repeat(5)}AA`;
  const base64 = bytes.toString('base64');

  it.each([
    { name: 'configured secret', value: SECRET },
    { name: 'base64 of a configured secret', value: base64 },
    { name: 'Anthropic key', value: key },
    { name: 'JWT', value: jwt },
  ])('redacts the first half of a $name cut off at the end of a preview', ({ value }) => {
    for (let keep = 4; keep < value.length; keep++) {
      const out = redactor.redactCut(`output: ${value.slice(0, keep)}`);
      expect(out).toBe(`output: ${REDACTED}`);
    }
  });

  it('leaves a preview alone when its end is no start of a secret', () => {
    expect(redactor.redactCut('plain output that was cut here')).toBe('plain output that was cut here');
  });
});
