// The OpenAPI document's `components.schemas`: every request and response body a route names, converted from zod by
// `z.toJSONSchema` (draft 2020-12, which OpenAPI 3.1 uses). A body used by several routes is one component; a body
// nested in another (an Execution in a page of them) is a `$ref`. Used by openapi/generate.ts.
import { z } from 'zod';
import * as protocol from '../protocol';

export type JsonSchema = Record<string, unknown>;
export type Io = 'input' | 'output';

const COMPONENTS = '#/components/schemas/';

/** The options every conversion uses: input for what a client sends, output for what it gets back. */
export const jsonSchemaOptions = (io: Io) => ({
  target: 'draft-2020-12' as const,
  io,
  unrepresentable: 'any' as const,
});

/** The protocol's exported schemas by identity, so a component is named as the code names it. */
const PROTOCOL_NAMES = new Map<z.ZodType, string>();
for (const [name, value] of Object.entries(protocol)) {
  if (value instanceof z.ZodType && /^[A-Z]/.test(name) && !PROTOCOL_NAMES.has(value)) PROTOCOL_NAMES.set(value, name);
}

/** A schema converted on its own (a query's or path's parameters), without `$schema`. */
export function toJsonSchema(schema: z.ZodType, io: Io): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, jsonSchemaOptions(io)) as JsonSchema;
  return rest;
}

interface Entry {
  schema: z.ZodType;
  name: string;
  refs: Array<{ $ref: string }>;
}

/** Collects the bodies while the operations are built; `components()` converts them all at once. */
export class SchemaBook {
  private readonly entries: Record<Io, Map<z.ZodType, Entry>> = { input: new Map(), output: new Map() };
  private readonly taken = new Set<string>();

  /** A `$ref` to `schema`'s component (filled in by `components()`); `fallback` names a schema the protocol does
   * not export. */
  ref(schema: z.ZodType, io: Io, fallback: string): { $ref: string } {
    const known = this.entries[io].get(schema);
    const ref = { $ref: '' };
    if (known !== undefined) {
      known.refs.push(ref);
      return ref;
    }
    const name = PROTOCOL_NAMES.get(schema) ?? this.unique(fallback);
    this.taken.add(name);
    this.entries[io].set(schema, { schema, name, refs: [ref] });
    return ref;
  }

  private unique(base: string): string {
    let name = base;
    for (let n = 2; this.taken.has(name) || [...PROTOCOL_NAMES.values()].includes(name); n++) name = `${base}${n}`;
    return name;
  }

  /** Every component; a schema sent and also received has an `…Input` twin (defaults make fields optional there). */
  components(): Record<string, JsonSchema> {
    const outputNames = new Set([...this.entries.output.values()].map((entry) => entry.name));
    const idOf = (io: Io, entry: Entry) =>
      io === 'input' && outputNames.has(entry.name) ? `${entry.name}Input` : entry.name;
    const result: Record<string, JsonSchema> = {};
    for (const io of ['output', 'input'] as const) {
      const registry = z.registry<{ id: string }>();
      for (const entry of this.entries[io].values()) {
        const id = idOf(io, entry);
        registry.add(entry.schema, { id });
        for (const ref of entry.refs) ref.$ref = COMPONENTS + id;
      }
      const { schemas } = z.toJSONSchema(registry, { ...jsonSchemaOptions(io), uri: (id) => COMPONENTS + id }) as {
        schemas: Record<string, JsonSchema>;
      };
      for (const [id, converted] of Object.entries(schemas)) {
        const { $schema: _dialect, $id: _id, ...schema } = converted;
        Object.assign(result, hoistDefs(id, schema));
      }
    }
    return Object.fromEntries(Object.entries(result).sort(([a], [b]) => a.localeCompare(b)));
  }
}

/** A recursive schema's `$defs` point at `#/$defs/…`, which in an OpenAPI document means its root: move them into
 * components of their own and point the refs there. */
function hoistDefs(id: string, schema: JsonSchema): Record<string, JsonSchema> {
  const defs = schema.$defs as Record<string, JsonSchema> | undefined;
  if (defs === undefined) return { [id]: schema };
  const { $defs: _defs, ...rest } = schema;
  const rename = (key: string) => `${id}_${key.replace(/[^A-Za-z0-9._-]/g, '_')}`;
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) =>
        key === '$ref' && typeof inner === 'string' && inner.startsWith('#/$defs/')
          ? [key, COMPONENTS + rename(inner.slice('#/$defs/'.length))]
          : [key, rewrite(inner)],
      ),
    );
  };
  const out: Record<string, JsonSchema> = { [id]: rewrite(rest) as JsonSchema };
  for (const [key, def] of Object.entries(defs)) out[rename(key)] = rewrite(def) as JsonSchema;
  return out;
}
