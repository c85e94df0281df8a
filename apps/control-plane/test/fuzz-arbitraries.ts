// fast-check arbitraries for the fuzz tests: values built from a protocol schema (through its JSON Schema), the same
// values with one part made hostile, and hostile shapes on their own. Used by fuzz-http and fuzz-frames.
import fc from 'fast-check';
import { z } from 'zod';

/** The parts of JSON Schema (draft 2020-12) that `z.toJSONSchema` writes. */
type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
};

/** Generated values stay small: the hostile arbitraries below bring the big ones. */
const MAX_STRING = 24;
const MAX_ITEMS = 3;
const MAX_DEPTH = 8;

const json = fc.jsonValue({ maxDepth: 2 });

function stringOf(schema: JsonSchema): fc.Arbitrary<string> {
  if (schema.format === 'date-time') {
    return fc
      .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true })
      .map((d) => d.toISOString());
  }
  if (schema.format === 'uri') return fc.webUrl({ withQueryParameters: true });
  if (schema.format === 'email') return fc.emailAddress();
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.max(minLength, Math.min(schema.maxLength ?? MAX_STRING, MAX_STRING));
  if (schema.pattern !== undefined) {
    try {
      const pattern = new RegExp(schema.pattern);
      return fc
        .stringMatching(pattern)
        .filter((s) => s.length >= minLength && s.length <= (schema.maxLength ?? Infinity));
    } catch {
      // A pattern fast-check cannot read: plain strings then (most will be refused, which is also worth sending).
    }
  }
  return fc.string({ minLength, maxLength, unit: 'grapheme' });
}

/** Numbers across the schema's range; where it sets no bound, the extremes of a double too (1e308, 2**53 + 2). */
function numberOf(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const low = schema.minimum ?? schema.exclusiveMinimum ?? -1e6;
  const high = schema.maximum ?? schema.exclusiveMaximum ?? 1e6;
  const unboundedHigh = schema.maximum === undefined && schema.exclusiveMaximum === undefined;
  const unboundedLow = schema.minimum === undefined && schema.exclusiveMinimum === undefined;
  const extremes = [
    ...(unboundedHigh ? [1e308, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER] : []),
    ...(unboundedLow ? [-1e308, -(2 ** 53 + 2), -0] : []),
  ];
  let inRange: fc.Arbitrary<number>;
  if (integer) {
    const min = Math.max(Math.ceil(low + (schema.exclusiveMinimum !== undefined ? 1 : 0)), -(2 ** 31));
    const max = Math.min(Math.floor(high - (schema.exclusiveMaximum !== undefined ? 1 : 0)), 2 ** 31 - 1);
    inRange = fc.oneof(fc.integer({ min, max }), fc.constantFrom(min, max));
  } else {
    inRange = fc.double({
      min: low,
      max: high,
      minExcluded: schema.exclusiveMinimum !== undefined,
      maxExcluded: schema.exclusiveMaximum !== undefined,
      noNaN: true,
      noDefaultInfinity: true,
    });
  }
  return extremes.length === 0 ? inRange : fc.oneof({ weight: 4, arbitrary: inRange }, fc.constantFrom(...extremes));
}

function objectOf(schema: JsonSchema, root: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  const properties = schema.properties ?? {};
  const keys = Object.keys(properties);
  if (keys.length === 0 && typeof schema.additionalProperties === 'object') {
    const key = schema.propertyNames ? stringOf(schema.propertyNames) : fc.string({ maxLength: 12 });
    return fc.dictionary(key, build(schema.additionalProperties, root, depth + 1), { maxKeys: MAX_ITEMS });
  }
  if (keys.length === 0) return fc.dictionary(fc.string({ maxLength: 8 }), json, { maxKeys: MAX_ITEMS });
  const model = Object.fromEntries(keys.map((key) => [key, build(properties[key]!, root, depth + 1)]));
  return fc.record(model, { requiredKeys: (schema.required ?? []).filter((key) => key in model) });
}

function build(schema: JsonSchema, root: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  if (depth > MAX_DEPTH) return fc.constant(null);
  if (schema.$ref !== undefined) {
    const name = schema.$ref.replace(/^#\/\$defs\//, '');
    const target = schema.$ref === '#' ? root : root.$defs?.[name];
    return target === undefined ? json : build(target, root, depth + 1);
  }
  if ('const' in schema) return fc.constant(schema.const);
  if (schema.enum !== undefined) return fc.constantFrom(...schema.enum);
  const options = schema.anyOf ?? schema.oneOf;
  if (options !== undefined) return fc.oneof(...options.map((option) => build(option, root, depth + 1)));
  if (schema.allOf !== undefined && schema.allOf.length > 0) return build(schema.allOf[0]!, root, depth + 1);
  if (Array.isArray(schema.type)) {
    return fc.oneof(...schema.type.map((type) => build({ ...schema, type }, root, depth)));
  }
  switch (schema.type) {
    case 'string':
      return stringOf(schema);
    case 'integer':
      return numberOf(schema, true);
    case 'number':
      return numberOf(schema, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      if (schema.prefixItems !== undefined) {
        return fc.tuple(...schema.prefixItems.map((item) => build(item, root, depth + 1)));
      }
      const minLength = schema.minItems ?? 0;
      const maxLength = Math.max(minLength, Math.min(schema.maxItems ?? MAX_ITEMS, MAX_ITEMS));
      return fc.array(build(schema.items ?? {}, root, depth + 1), { minLength, maxLength });
    }
    case 'object':
      return objectOf(schema, root, depth);
    default:
      return json;
  }
}

/** Values shaped like what `schema` accepts (most pass it; patterns and refinements let some fail). */
export function fromSchema(schema: z.ZodType): fc.Arbitrary<unknown> {
  const root = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', cycles: 'ref' }) as JsonSchema;
  return build(root, root, 0);
}

const nest = (levels: number, leaf: unknown, wrap: (inner: unknown) => unknown): unknown => {
  let value = leaf;
  for (let i = 0; i < levels; i += 1) value = wrap(value);
  return value;
};

/** Strings a parser, a database or a log line might choke on. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDFFF',
  'x\uDBFFy',
  '\u202Eevil\u202C',
  '\u200B\u200D\uFEFF',
  '👩‍💻🏳️‍🌈',
  'e\u0301\u0301\u0301',
  '\r\n\r\n',
  '../../../etc/passwd',
  '%00%zz%',
  "' OR 1=1 --",
  '<script>alert(1)</script>',
  '${{7*7}}{{7*7}}',
  '__proto__',
  'constructor',
  'NaN',
  'Infinity',
  '-0',
  '1e308',
  '0x10',
  '9007199254740993',
  'null',
  'true',
  'A',
  '====',
  '!!!!',
  'AAAA=AAA',
  'ex_AAAAAAAAAAAAAAAAAAAAAAAAAA',
  'rn_00000000000000000000000000',
  'ap_0000000000000000000000000Z',
  'global',
  'agent:',
  'label:a/../b',
  'x'.repeat(70_000),
];

/** Numbers at the edges of JSON, IEEE 754 and the validators' bounds. */
export const HOSTILE_NUMBERS: readonly number[] = [
  0,
  -0,
  -1,
  0.5,
  1e308,
  -1e308,
  5e-324,
  2 ** 31,
  2 ** 32 + 1,
  2 ** 53 + 2,
  Number.MAX_SAFE_INTEGER,
  -Number.MAX_SAFE_INTEGER,
];

/** Any hostile JSON value: wrong types, huge numbers, odd strings, deep nesting, wide arrays. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_NUMBERS) },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(null, true, false, [], {}, [[]], [null], { '': '' }) },
  { weight: 1, arbitrary: fc.constant(JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":1}}')) },
  { weight: 1, arbitrary: fc.constant(nest(1000, 1, (inner) => [inner])) },
  { weight: 1, arbitrary: fc.constant(nest(1000, 'x', (inner) => ({ a: inner }))) },
  { weight: 1, arbitrary: fc.constant(Array.from({ length: 5000 }, (_, i) => i)) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: json },
);

type Path = (string | number)[];

function pathsOf(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (out.length > 200) return out;
  if (Array.isArray(value)) value.forEach((item, i) => pathsOf(item, [...prefix, i], out));
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) pathsOf(item, [...prefix, key], out);
  }
  return out;
}

type Edit = { op: 'replace' | 'delete' | 'extra'; path: Path; value: unknown };

function applyEdit(value: unknown, edit: Edit): unknown {
  if (edit.path.length === 0) return edit.op === 'extra' && isObject(value) ? { ...value, zz: edit.value } : edit.value;
  const copy: unknown = structuredClone(value);
  let parent = copy as Record<string | number, unknown>;
  for (const key of edit.path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = edit.path.at(-1)!;
  if (edit.op === 'delete' && !Array.isArray(parent)) delete parent[last];
  else if (edit.op === 'extra' && isObject(parent[last])) (parent[last] as Record<string, unknown>).zz = edit.value;
  else parent[last] = edit.value;
  return copy;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** A value from `base` with one part replaced by a hostile value, removed, or joined by an unknown key. */
export function mutated(base: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return base.chain((value) =>
    fc
      .record({
        op: fc.constantFrom<Edit['op']>('replace', 'replace', 'delete', 'extra'),
        path: fc.constantFrom(...pathsOf(value)),
        value: hostileValue,
      })
      .map((edit) => applyEdit(value, edit)),
  );
}

/**
 * What a schema-guided fuzz sends: valid-looking values, the same with one hostile part, or anything hostile.
 * `examples` are known-valid values (refinements the JSON Schema cannot say, such as "prompt or agent").
 */
export function fuzzValue(schema: z.ZodType | null, examples: readonly unknown[] = []): fc.Arbitrary<unknown> {
  if (schema === null) return fc.oneof(hostileValue, mutated(json));
  const generated = fromSchema(schema);
  const valid = examples.length === 0 ? generated : fc.oneof(generated, fc.constantFrom(...examples));
  return fc.oneof({ weight: 2, arbitrary: valid }, { weight: 5, arbitrary: mutated(valid) }, hostileValue);
}

/** Bodies that are not JSON of any value: broken JSON, odd bytes, a BOM, 2 MiB. */
export const MALFORMED_BODIES: readonly (string | Uint8Array)[] = [
  '{',
  '{"a":}',
  '[1,]',
  'nul',
  "{'a':1}",
  '{"a":1}{"b":2}',
  '\uFEFF{}',
  '1e400',
  '"\\ud800"',
  '['.repeat(100_000),
  '{"a":'.repeat(10_000),
  new Uint8Array([0xff, 0xfe, 0x80, 0x00, 0xc3]),
  new Uint8Array(2 * 1024 * 1024).fill(0x20),
  `{"prompt":"${'x'.repeat(2 * 1024 * 1024)}"}`,
];

/** Content-Type values, right and wrong; undefined sends none. */
export const CONTENT_TYPES: readonly (string | undefined)[] = [
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/vnd.api+json',
  'application/json; charset=latin1',
  'text/plain',
  'text/x-diff',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/jsonx',
  ';;;',
  undefined,
];

/** UTF-8 percent-encoding that never throws (a lone surrogate becomes U+FFFD, as a browser would send it). */
export function percentEncode(text: string): string {
  return [...new TextEncoder().encode(text)]
    .map((byte) => {
      const char = String.fromCharCode(byte);
      return /[A-Za-z0-9_.~-]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

/** Raw URL pieces no encoder would produce: bad escapes, an encoded surrogate, dot segments, encoded slashes. */
export const RAW_URL_PIECES: readonly string[] = [
  '%',
  '%zz',
  '%E0%A4%A',
  '%ED%A0%80',
  '%C0%AF',
  '%00',
  '..',
  '%2e%2e',
  '%2F',
  'a%2Fb',
  '+',
  '%20',
  ';x=1',
  'x'.repeat(5000),
];

/** One path segment: a known value, a percent-encoded hostile string, or a raw odd piece. */
export function pathSegment(known: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...known) },
    { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_STRINGS).map(percentEncode) },
    { weight: 2, arbitrary: fc.constantFrom(...RAW_URL_PIECES) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }).map(percentEncode) },
  );
}

const queryValue = (valid: fc.Arbitrary<unknown>, hostile: boolean): fc.Arbitrary<string> => {
  const plain = valid.map((v) => percentEncode(typeof v === 'string' ? v : (JSON.stringify(v) ?? '')));
  if (!hostile) return plain;
  return fc.oneof(
    { weight: 3, arbitrary: plain },
    { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_STRINGS, ...HOSTILE_NUMBERS.map(String)).map(percentEncode) },
    { weight: 2, arbitrary: fc.constantFrom(...RAW_URL_PIECES) },
  );
};

/** A raw query string: the schema's keys with valid values only, or with hostile values beside unknown keys,
 * repeats and bad escapes. */
export function queryString(schema: z.ZodType | null): fc.Arbitrary<string> {
  const jsonSchema =
    schema === null ? {} : (z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema);
  const properties = jsonSchema.properties ?? {};
  const keys = Object.keys(properties);
  const known = (hostile: boolean) =>
    keys.map((key) => queryValue(build(properties[key]!, jsonSchema, 1), hostile).map((value) => `${key}=${value}`));
  const odd = fc.oneof(
    fc.constantFrom('x=1', 'a[]=1', 'a[b]=2', '=v', '&', 'k', 'after=-1', 'limit=1e308', 'cursor=%zz', 'apiKey=1'),
    fc.constantFrom(...RAW_URL_PIECES).map((piece) => `${piece}=${piece}`),
  );
  const hostile = fc.array(fc.oneof(...known(true), odd), { maxLength: 5 }).chain((pairs) =>
    // Repeating one pair sends a key twice, which a string field must refuse rather than read as an array.
    fc.boolean().map((repeat) => (repeat && pairs.length > 0 ? [...pairs, pairs[0]!] : pairs).join('&')),
  );
  if (keys.length === 0) return fc.oneof(fc.constant(''), hostile);
  const valid = fc.uniqueArray(fc.oneof(...known(false)), { maxLength: keys.length, selector: (p) => p.split('=')[0] });
  return fc.oneof(
    valid.map((pairs) => pairs.join('&')),
    hostile,
  );
}
