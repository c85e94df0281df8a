// Credential shapes the redactor recognises without being told (used by redactor.ts): an anchor (a key's prefix, a
// header name) followed by a body of token characters, or a whole PEM private-key block. Each shape is found by its
// anchor, so a scanner can also tell when text ends in the middle of one, which is what streaming redaction needs.

/** A credential that starts with a recognisable anchor and goes on with token characters. */
export interface BodyShape {
  kind: 'body';
  name: string;
  /** Global; finds the anchor. The lookbehinds stop matches inside longer words. */
  anchor: RegExp;
  /** Sticky: the longest run of body characters (at most `max`) at lastIndex. */
  body: RegExp;
  /** A run shorter than this is not a credential (prose such as "Bearer tokens"). */
  min: number;
  max: number;
  /** Keep the anchor readable (a header name) and redact only the value. */
  keepAnchor: boolean;
}

/** A block from a BEGIN line to an END line: everything between is secret. */
export interface BlockShape {
  kind: 'block';
  name: string;
  begin: RegExp;
  end: RegExp;
}

export type SecretShape = BodyShape | BlockShape;

const body = (chars: string, max: number) => new RegExp(`[${chars}]{0,${max}}`, 'y');
const TOKEN_CHARS = 'A-Za-z0-9._~+/=:-';

export const SECRET_SHAPES: readonly SecretShape[] = [
  {
    // Anthropic (sk-ant-api03-…, sk-ant-oat01-…) and OpenAI (sk-…, sk-proj-…, sk-svcacct-…) keys.
    kind: 'body',
    name: 'api-key',
    anchor: /(?<![A-Za-z0-9])sk-/g,
    body: body('A-Za-z0-9_-', 400),
    min: 20,
    max: 400,
    keepAnchor: false,
  },
  {
    kind: 'body',
    name: 'github-token',
    anchor: /(?<![A-Za-z0-9_])(?:gh[pousr]_|github_pat_)/g,
    body: body('A-Za-z0-9_', 255),
    min: 20,
    max: 255,
    keepAnchor: false,
  },
  {
    kind: 'body',
    name: 'aws-access-key-id',
    anchor: /(?<![A-Za-z0-9])(?:AKIA|ASIA)/g,
    body: body('A-Z0-9', 16),
    min: 16,
    max: 16,
    keepAnchor: false,
  },
  {
    kind: 'body',
    name: 'aws-secret-access-key',
    anchor: /aws_secret_access_key["']?\s*[:=]\s*["']?/gi,
    body: body('A-Za-z0-9/+=', 100),
    min: 20,
    max: 100,
    keepAnchor: true,
  },
  {
    // Authorization: Bearer …, Basic …, token …, or a bare value; in headers, JSON and curl lines alike.
    kind: 'body',
    name: 'authorization',
    anchor: /(?<![A-Za-z0-9])authorization["']?\s*[:=]\s*["']?(?:(?:bearer|basic|token|digest|negotiate)\s+)?/gi,
    body: body(TOKEN_CHARS, 4096),
    min: 8,
    max: 4096,
    keepAnchor: true,
  },
  {
    kind: 'body',
    name: 'bearer',
    anchor: /(?<![A-Za-z0-9])bearer\s+/gi,
    body: body(TOKEN_CHARS, 4096),
    min: 16,
    max: 4096,
    keepAnchor: true,
  },
  {
    kind: 'block',
    name: 'private-key',
    begin: /-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/g,
    end: /-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/g,
  },
];

/** Cheap first pass: text with none of these substrings holds no credential shape. */
export const ANY_ANCHOR =
  /sk-|gh[pousr]_|github_pat_|AKIA|ASIA|aws_secret_access_key|authorization|bearer|PRIVATE KEY/i;
