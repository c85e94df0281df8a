// Replaces secrets with [REDACTED] before anything leaves the runner: the values of configured secrets and common
// credential shapes (secret-shapes.ts). Used by the log streamer (every event, through event-redactor.ts) and by the
// git step (the patch and the commit message: createRedactor(secrets).redactText(text)).
//
// Streaming: a secret may arrive split across consecutive pieces of text (two events, two chunks). A stream holds
// back only a piece whose tail could be the start of a secret (secret material: a prefix of a configured secret of
// MIN_PARTIAL characters or more, a credential's anchor followed by body characters, an open private-key block)
// until the next piece shows whether it goes on. When it must let go first (finish(): a non-text event, the flush
// window, a size cap) it redacts such a dangling tail as if it were a secret, and keeps the original text in memory
// only, so that the next piece is still read as its continuation and redacted on its side too.
//
// A configured secret is also found in the forms a tool may print it in: JSON and URL escaped, hex, and base64
// (standard and url-safe, padded or not, and at each of the three byte alignments, so it is found inside a longer
// base64 stream too: the characters that depend on the secret alone).
//
// Limits: fragments shorter than MIN_PARTIAL characters of a configured secret split at a forced release may leave
// the runner, as may the one or two base64 characters a secret shares with its neighbours; a body longer than its
// shape's maximum (4096 characters for tokens) is redacted only up to it; secret values shorter than
// MIN_SECRET_LENGTH are ignored; other encodings (base64 wrapped across lines, gzip, ROT13) are not recognised.
import { mayHoldShape, SECRET_SHAPES } from './secret-shapes';

export const REDACTED = '[REDACTED]';
/** Configured values shorter than this would redact ordinary words; they are ignored. */
export const MIN_SECRET_LENGTH = 8;
/** A dangling prefix of a configured secret is held (and, at a forced release, redacted) from this length on. */
export const MIN_PARTIAL = 4;
/** Original text of released pieces a stream keeps to recognise a continuation (at most; usually far less). */
const MAX_CONTEXT = 64 * 1024;

export interface Redactor {
  /** Whole text: every configured secret and credential shape becomes [REDACTED]. */
  redactText(text: string): string;
  /** Every string (and object key) in a JSON-like value, redacted; returns a copy, never mutates. */
  redactDeep<T>(value: T): T;
  /**
   * Text that was cut to size (a preview): as redactText, and a tail that could be the start of a secret or
   * credential is redacted too, so a secret cut in half cannot leave its first half.
   */
  redactCut(text: string): string;
  /** A stream of pieces that belong together (see the module comment). */
  stream(): RedactingTextStream;
}

/** How a scan treats the end of the text: a whole string ends there; a stream may go on ('open') or must stop. */
type ScanMode = 'whole' | 'open' | 'final';

interface Found {
  /** Where the match starts (its anchor), which a stream's context must keep while the match may go on. */
  origin: number;
  from: number;
  to: number;
  /** It reaches the end of the text and could go on in the next piece. */
  open: boolean;
}

interface Scan {
  found: Found[];
  /** Open mode: the earliest position from which text must be held back. */
  holdFrom: number | null;
}

export function createRedactor(secrets: Iterable<string> = []): Redactor {
  const variants = secretVariants(secrets);
  const byFirst = indexByFirstChar(variants);
  const longest = variants.reduce((max, v) => Math.max(max, v.length), 0);
  const literal = variants.length > 0 ? new RegExp(variants.map(escapeRegExp).join('|'), 'g') : null;
  const contextChars = Math.max(256, longest);

  function scan(text: string, start: number, mode: ScanMode): Scan {
    const found: Found[] = [];
    let holdFrom: number | null = null;
    const hold = (at: number) => (holdFrom = Math.min(holdFrom ?? Infinity, Math.max(at, start)));
    const end = text.length;
    if (literal) {
      literal.lastIndex = 0;
      for (let m = literal.exec(text); m; m = literal.exec(text)) {
        found.push({ origin: m.index, from: m.index, to: m.index + m[0].length, open: false });
        literal.lastIndex = m.index + 1; // overlapping secrets are all found
      }
      if (mode !== 'whole') {
        const partial = danglingPrefix(text, byFirst, longest);
        if (partial !== null && end > start) {
          if (mode === 'open') hold(partial);
          else found.push({ origin: partial, from: partial, to: end, open: true });
        }
      }
    }
    if (!mayHoldShape(text)) return { found, holdFrom };
    for (const shape of SECRET_SHAPES) {
      if (shape.kind === 'block') {
        for (const begin of text.matchAll(shape.begin)) {
          shape.end.lastIndex = begin.index + begin[0].length;
          const close = shape.end.exec(text);
          if (close) found.push({ origin: begin.index, from: begin.index, to: shape.end.lastIndex, open: false });
          else if (mode === 'open') hold(begin.index);
          else found.push({ origin: begin.index, from: begin.index, to: end, open: mode === 'final' });
        }
        continue;
      }
      for (const anchor of text.matchAll(shape.anchor)) {
        const bodyStart = anchor.index + anchor[0].length;
        shape.body.lastIndex = bodyStart;
        const length = shape.body.exec(text)?.[0].length ?? 0;
        const to = bodyStart + length;
        const from = shape.keepAnchor ? bodyStart : anchor.index;
        const mayGoOn = to === end && length < shape.max && mode !== 'whole';
        if (!mayGoOn) {
          const valid = length >= shape.min && (shape.valid?.(text.slice(bodyStart, to)) ?? true);
          if (valid) found.push({ origin: anchor.index, from, to, open: false });
        } else if (length > 0) {
          if (mode === 'open') hold(bodyStart);
          else found.push({ origin: anchor.index, from, to, open: true });
        }
      }
    }
    return { found, holdFrom };
  }

  const redactText = (text: string): string => {
    if (text.length === 0) return text;
    return applyRanges(text, 0, text.length, scan(text, 0, 'whole').found);
  };

  const redactDeep = <T>(value: T): T => {
    if (typeof value === 'string') return redactText(value) as T;
    if (Array.isArray(value)) return value.map((item: unknown) => redactDeep(item)) as T;
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) out[redactText(key)] = redactDeep(item);
      return out as T;
    }
    return value;
  };

  const redactCut = (text: string): string => {
    if (text.length === 0) return text;
    return applyRanges(text, 0, text.length, scan(text, 0, 'final').found);
  };

  return { redactText, redactDeep, redactCut, stream: () => new RedactingTextStream(scan, contextChars) };
}

/**
 * Consecutive pieces of one text (see the module comment). Every piece pushed comes out exactly once, redacted, in
 * order: push() returns those that are final now (possibly none, possibly earlier ones too), finish() the rest.
 */
export class RedactingTextStream {
  /** Original text of the latest released pieces, kept in memory only, to read the next piece in context. */
  private context = '';
  private held: string[] = [];

  constructor(
    private readonly scan: (text: string, start: number, mode: ScanMode) => Scan,
    private readonly contextChars: number,
  ) {}

  /** Pieces held back, waiting for the next one. */
  get pending(): number {
    return this.held.length;
  }

  get heldChars(): number {
    return this.held.reduce((sum, piece) => sum + piece.length, 0);
  }

  push(piece: string): string[] {
    this.held.push(piece);
    return this.release('open');
  }

  /** Releases every held piece, a dangling partial secret redacted as if it were whole. */
  finish(): string[] {
    return this.held.length > 0 ? this.release('final') : [];
  }

  private release(mode: 'open' | 'final'): string[] {
    const start = this.context.length;
    const text = this.context + this.held.join('');
    const { found, holdFrom } = this.scan(text, start, mode);
    const out: string[] = [];
    let offset = start;
    let count = 0;
    for (const piece of this.held) {
      const pieceEnd = offset + piece.length;
      if (mode === 'open' && holdFrom !== null && pieceEnd > holdFrom) break;
      out.push(applyRanges(text, offset, pieceEnd, found));
      offset = pieceEnd;
      count += 1;
    }
    this.held.splice(0, count);
    // A match that runs past what was released, or may go on in the next piece, needs its start in the context.
    let keepFrom = Math.max(0, offset - this.contextChars);
    for (const match of found) {
      if (match.to > offset || (match.open && match.to === offset)) keepFrom = Math.min(keepFrom, match.origin);
    }
    this.context = text.slice(Math.max(keepFrom, offset - MAX_CONTEXT), offset);
    return out;
  }
}

/** The part of text[from, to) with every found range inside it replaced by [REDACTED]. */
function applyRanges(text: string, from: number, to: number, found: readonly Found[]): string {
  const ranges = found
    .map((f) => [Math.max(f.from, from), Math.min(f.to, to)] as const)
    .filter(([a, b]) => a < b)
    .sort((x, y) => x[0] - y[0]);
  if (ranges.length === 0) return text.slice(from, to);
  let out = '';
  let at = from;
  let first = true;
  for (const [a, b] of ranges) {
    // Overlapping or touching ranges (two shapes, two secrets) become one [REDACTED].
    if (first || a > at) out += text.slice(at, a) + REDACTED;
    at = Math.max(at, b);
    first = false;
  }
  return out + text.slice(at, to);
}

/** The variants by their first character: a scan of a tail looks up only those that can start there. */
function indexByFirstChar(variants: readonly string[]): Map<number, string[]> {
  const index = new Map<number, string[]>();
  for (const variant of variants) {
    const code = variant.charCodeAt(0);
    const list = index.get(code);
    if (list) list.push(variant);
    else index.set(code, [variant]);
  }
  return index;
}

/** Start of the longest tail of `text` that is a proper prefix (≥ MIN_PARTIAL chars) of a secret, or null. */
function danglingPrefix(text: string, byFirst: ReadonlyMap<number, readonly string[]>, longest: number): number | null {
  for (let p = Math.max(0, text.length - longest + 1); p <= text.length - MIN_PARTIAL; p++) {
    const candidates = byFirst.get(text.charCodeAt(p));
    if (!candidates) continue;
    const tail = text.slice(p);
    if (candidates.some((secret) => secret.length > tail.length && secret.startsWith(tail))) return p;
  }
  return null;
}

/**
 * Each secret as it may appear: raw, inside a JSON string, URL-encoded, hex, base64; longest first, short ones
 * dropped.
 */
function secretVariants(secrets: Iterable<string>): string[] {
  const all = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    all.add(secret);
    all.add(JSON.stringify(secret).slice(1, -1));
    all.add(encodeURIComponent(secret));
    for (const form of encodedForms(Buffer.from(secret, 'utf8'))) all.add(form);
  }
  return [...all].filter((variant) => variant.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
}

const urlSafe = (base64: string) => base64.replace(/\+/g, '-').replace(/\//g, '_');

/**
 * The secret's bytes in hex (both cases) and base64. Base64 of the secret alone, padded and not; and for each
 * alignment k (the secret starts k bytes into a 3-byte group of a longer stream), the characters whose 6 bits all
 * come from the secret: from ceil(8k/6) to floor(8(k+n)/6) of the encoding of k filler bytes and the secret.
 */
export function encodedForms(bytes: Buffer): string[] {
  const hex = bytes.toString('hex');
  const alone = bytes.toString('base64');
  const forms = [hex, hex.toUpperCase(), alone, alone.replace(/=+$/, '')];
  for (let k = 0; k < 3; k++) {
    const encoded = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
    forms.push(encoded.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6)));
  }
  return [...forms, ...forms.map(urlSafe)];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Environment names whose values are secrets when they reach Claude Code. */
export const SECRET_ENV_NAME = /KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL/i;

export interface SecretSources {
  /** The environment Claude Code gets: values of names matching SECRET_ENV_NAME are secrets. */
  agentEnv: Record<string, string>;
  /** The runner's environment: CLAUDEOPS_REDACT_ENV names more variables (comma or space separated) to redact. */
  env: NodeJS.ProcessEnv;
  /** Contents of --secrets-file: one secret per line; blank lines and lines starting with # are skipped. */
  secretsFile?: string;
  /** Values of the runner secrets templates may name (every one of them, whichever job runs). */
  runnerSecrets?: Iterable<string>;
  /** Secrets of the runner's own (its tokens, its model credentials). */
  extra?: Array<string | null | undefined>;
}

/** Every configured secret value (MIN_SECRET_LENGTH characters or more). */
export function configuredSecrets(sources: SecretSources): string[] {
  const values: string[] = [];
  for (const [name, value] of Object.entries(sources.agentEnv)) {
    // Limits such as CLAUDE_CODE_MAX_OUTPUT_TOKENS=32000 match the name but are no secret.
    if (SECRET_ENV_NAME.test(name) && !/^\d+$/.test(value)) values.push(value);
  }
  for (const name of (sources.env.CLAUDEOPS_REDACT_ENV ?? '').split(/[\s,]+/)) {
    const value = name ? sources.env[name] : undefined;
    if (value) values.push(value);
  }
  for (const line of (sources.secretsFile ?? '').split(/\r?\n/)) {
    const value = line.trim();
    if (value && !value.startsWith('#')) values.push(value);
  }
  for (const value of sources.runnerSecrets ?? []) values.push(value);
  for (const value of sources.extra ?? []) if (value) values.push(value);
  return [...new Set(values.map((value) => value.trim()))].filter((value) => value.length >= MIN_SECRET_LENGTH);
}
