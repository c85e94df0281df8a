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
  /** A finished run of body characters is a credential only if this holds (a JWT has three parts). */
  valid?: (body: string) => boolean;
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
const JWT_PART = 4096;
/** A JWT's three base64url parts (the header's `eyJ` is the anchor); the signature may be empty (alg none). */
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

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
    // Stripe secret and restricted keys, live and test (publishable pk_ keys are public by design).
    kind: 'body',
    name: 'stripe-key',
    anchor: /(?<![A-Za-z0-9_])[sr]k_(?:live|test)_/g,
    body: body('A-Za-z0-9', 255),
    min: 16,
    max: 255,
    keepAnchor: false,
  },
  {
    // Slack bot, user, app-level, refresh and legacy tokens (xoxb-…, xoxp-…, xoxa-…, xoxo-…, xoxs-…, xoxr-…).
    kind: 'body',
    name: 'slack-token',
    anchor: /(?<![A-Za-z0-9_-])xox[abposr]-/g,
    body: body('A-Za-z0-9-', 255),
    min: 10,
    max: 255,
    keepAnchor: false,
  },
  {
    kind: 'body',
    name: 'google-api-key',
    anchor: /(?<![A-Za-z0-9_-])AIza/g,
    body: body('A-Za-z0-9_-', 35),
    min: 35,
    max: 35,
    keepAnchor: false,
  },
  {
    kind: 'body',
    name: 'gitlab-token',
    anchor: /(?<![A-Za-z0-9_-])glpat-/g,
    body: body('A-Za-z0-9_.-', 255),
    min: 20,
    max: 255,
    keepAnchor: false,
  },
  {
    kind: 'body',
    name: 'npm-token',
    anchor: /(?<![A-Za-z0-9_])npm_/g,
    body: body('A-Za-z0-9', 36),
    min: 36,
    max: 36,
    keepAnchor: false,
  },
  {
    // ClaudeOps' own admin, runner, registration and session tokens: the prefix and 32 random bytes, base64url
    // (apps/control-plane/src/lib/tokens.ts). Identifiers such as cos_angle_between are not that long and random.
    kind: 'body',
    name: 'claudeops-token',
    anchor: /(?<![A-Za-z0-9_])co[args]_/g,
    body: body('A-Za-z0-9_-', 43),
    min: 43,
    max: 43,
    keepAnchor: false,
    valid: (run) => /[A-Z]/.test(run) && /[a-z0-9]/.test(run),
  },
  {
    kind: 'body',
    name: 'jwt',
    anchor: /(?<![A-Za-z0-9_-])eyJ/g,
    body: new RegExp(`[A-Za-z0-9_-]{0,${JWT_PART}}(?:\\.[A-Za-z0-9_-]{0,${JWT_PART}}){0,2}`, 'y'),
    min: 10,
    max: 3 * JWT_PART + 2,
    keepAnchor: false,
    valid: (run) => JWT.test(run),
  },
  {
    kind: 'block',
    name: 'private-key',
    begin: /-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/g,
    end: /-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/g,
  },
];

/**
 * Cheap first pass: text with none of these holds no credential shape. The anchors that are matched in any case
 * have a pattern of their own, so that the others (case-sensitive literals) stay one fast scan.
 */
const CASED_ANCHORS =
  /sk-|gh[pousr]_|github_pat_|AKIA|ASIA|PRIVATE KEY|[sr]k_live_|[sr]k_test_|xox[abposr]-|AIza|glpat-|npm_|co[args]_|eyJ/;
const FOLDED_ANCHORS = /authorization|bearer|aws_secret_access_key/i;

export const mayHoldShape = (text: string): boolean => CASED_ANCHORS.test(text) || FOLDED_ANCHORS.test(text);
