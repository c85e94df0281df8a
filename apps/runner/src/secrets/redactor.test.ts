// Unit tests of the redactor: configured secrets and credential shapes in whole text, in JSON-like values, and in
// streams of pieces split at every position, with and without a forced release between the pieces.
import { describe, expect, it } from 'vitest';
import { CANARIES, CONFIGURED, expectNoMaterial } from '../testing/redaction-canaries';
import { configuredSecrets, createRedactor, REDACTED } from './redactor';

const redactor = createRedactor([CONFIGURED]);

describe('createRedactor().redactText', () => {
  it.each(CANARIES)('redacts a $name and keeps the text around it', ({ text }) => {
    const out = redactor.redactText(`before: ${text} :after`);
    expect(out).toContain(REDACTED);
    expect(out.startsWith('before: ')).toBe(true);
    expect(out.endsWith(' :after')).toBe(true);
    expect(out).not.toContain(text);
  });

  it('keeps header names readable and redacts only their values', () => {
    expect(redactor.redactText('curl -H "Authorization: Bearer abcdefghijklmnop1234"')).toBe(
      `curl -H "Authorization: Bearer ${REDACTED}"`,
    );
    expect(redactor.redactText('aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n')).toBe(
      `aws_secret_access_key=${REDACTED}\n`,
    );
  });

  it('redacts keys on the added and removed lines of a patch', () => {
    const patch = `-OPENAI=sk-proj-${'aB3dE5fG7h'.repeat(4)}\n+${CANARIES[0]!.text}\n`;
    expect(redactor.redactText(patch)).toBe(`-OPENAI=${REDACTED}\n+${REDACTED}\n`);
    expect(redactor.redactText(`-${CANARIES[0]!.text}`)).toBe(`-${REDACTED}`);
  });

  it('leaves prose that only looks like a credential alone', () => {
    const prose =
      'Bearer tokens go in the authorization header; use scikit-learn, a task-sk-runner, ' +
      'ASIAN food and sk-short. -----BEGIN PUBLIC KEY----- is public.';
    expect(redactor.redactText(prose)).toBe(prose);
  });

  it('finds a configured secret as JSON and URLs escape it, and ignores values too short to be secrets', () => {
    const secret = 'pa"ss\\word/with space';
    const r = createRedactor([secret, 'short']);
    expect(r.redactText(JSON.stringify({ password: secret }))).toBe(`{"password":"${REDACTED}"}`);
    expect(r.redactText(`https://x.test/?p=${encodeURIComponent(secret)}`)).toBe(`https://x.test/?p=${REDACTED}`);
    expect(r.redactText('a short word')).toBe('a short word');
  });

  it('redacts a private key block cut off before its END line (a truncated tool output)', () => {
    const out = redactor.redactText('key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA1x2y3z');
    expect(out).toBe(`key:\n${REDACTED}`);
  });

  it('redacts every string and key of a JSON-like value without touching the original', () => {
    const input = { command: `echo ${CONFIGURED}`, env: { [CONFIGURED]: 1 }, list: [CONFIGURED, 7, null, true] };
    const copy = structuredClone(input);
    expect(redactor.redactDeep(input)).toEqual({
      command: `echo ${REDACTED}`,
      env: { [REDACTED]: 1 },
      list: [REDACTED, 7, null, true],
    });
    expect(input).toEqual(copy);
  });
});

describe('RedactingTextStream', () => {
  const cases = CANARIES.flatMap((canary) => {
    const text = `before: ${canary.text} :after`;
    const start = text.indexOf(canary.text);
    return Array.from({ length: canary.text.length + 1 }, (_, i) => ({ ...canary, full: text, at: start + i }));
  });

  it.each(CANARIES)('redacts a $name split in two at any position, on both sides', ({ text, material }) => {
    for (const c of cases.filter((x) => x.text === text)) {
      const stream = redactor.stream();
      const out = [...stream.push(c.full.slice(0, c.at)), ...stream.push(c.full.slice(c.at)), ...stream.finish()];
      expect(out).toHaveLength(2);
      expect(out.join('')).toContain(REDACTED);
      expectNoMaterial(out.join('|'), material, `split at ${c.at}`);
    }
  });

  it.each(CANARIES)('redacts a $name split in two even when the first half had to go first', ({ text, material }) => {
    for (const c of cases.filter((x) => x.text === text)) {
      const stream = redactor.stream();
      const first = [...stream.push(c.full.slice(0, c.at)), ...stream.finish()];
      const second = [...stream.push(c.full.slice(c.at)), ...stream.finish()];
      expect([...first, ...second]).toHaveLength(2);
      expectNoMaterial([...first, ...second].join('|'), material, `forced release at ${c.at}`);
    }
  });

  it('holds back only a piece that could be the start of a secret, until the next piece', () => {
    const stream = redactor.stream();
    expect(stream.push('plain text, ')).toEqual(['plain text, ']);
    expect(stream.push('the key is sk-ant-api03-Zx9')).toEqual([]);
    expect(stream.pending).toBe(1);
    expect(stream.push('_Yw8-Vu7Zx9_Yw8-Vu7Zx9 and more')).toEqual([`the key is ${REDACTED}`, `${REDACTED} and more`]);
    expect(stream.push(CONFIGURED.slice(0, 6))).toEqual([]);
    expect(stream.push(CONFIGURED.slice(6, 12))).toEqual([]);
    expect(stream.push(`${CONFIGURED.slice(12)}.`)).toEqual([REDACTED, REDACTED, `${REDACTED}.`]);
    expect(stream.finish()).toEqual([]);
  });

  it('redacts the rest of a private key streamed line by line after its start had to go', () => {
    const [begin, ...lines] = CANARIES.find((c) => c.name === 'private key block')!.text.split('\n');
    const stream = redactor.stream();
    const out = [...stream.push(`key: ${begin}\n`), ...stream.finish()];
    for (const line of lines) out.push(...stream.push(`${line}\n`), ...stream.finish());
    out.push(...stream.push('after the key'), ...stream.finish());
    expect(out).toEqual([`key: ${REDACTED}`, REDACTED, REDACTED, `${REDACTED}\n`, 'after the key']);
  });
});

describe('configuredSecrets', () => {
  it("takes secret-named variables Claude Code gets, CLAUDEOPS_REDACT_ENV's, the secrets file's and the runner's", () => {
    const secrets = configuredSecrets({
      agentEnv: {
        ANTHROPIC_API_KEY: 'sk-ant-api-key-value',
        CLAUDE_CODE_OAUTH_TOKEN: 'oauth-token-value',
        CLAUDE_CODE_MAX_OUTPUT_TOKENS: '32000000',
        HOME: '/home/someone/long',
      },
      env: { CLAUDEOPS_REDACT_ENV: 'MY_CANARY, OTHER  SHORT', MY_CANARY: 'canary-value-1', SHORT: 'tiny' },
      secretsFile: '# a comment\n\nfile-secret-one\r\n  file-secret-two  \n',
      extra: ['cor_runner-token', null, undefined],
    });
    expect(secrets.sort()).toEqual(
      [
        'sk-ant-api-key-value',
        'oauth-token-value',
        'canary-value-1',
        'file-secret-one',
        'file-secret-two',
        'cor_runner-token',
      ].sort(),
    );
  });
});
