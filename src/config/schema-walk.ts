/**
 * Looks up the zod schema of a config field by its path, so error messages can list the valid
 * keys of a section and env-interpolated values can be coerced to the type the field expects.
 */
import { z } from 'zod';

type AnySchema = z.ZodType;

/** Strips default/optional/nullable/readonly wrappers down to the schema that does the checking. */
export function unwrap(schema: AnySchema): AnySchema {
  let s: AnySchema = schema;
  for (;;) {
    if (s instanceof z.ZodDefault || s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodReadonly) {
      s = s.unwrap() as AnySchema;
    } else if (s instanceof z.ZodPipe) {
      s = s.in as AnySchema;
    } else {
      return s;
    }
  }
}

/** The schema at `path` under `root`, or undefined when the path leaves the schema. */
export function schemaAt(root: AnySchema, path: ReadonlyArray<PropertyKey>): AnySchema | undefined {
  let s: AnySchema | undefined = root;
  for (const key of path) {
    if (!s) return undefined;
    const u = unwrap(s);
    if (u instanceof z.ZodObject && typeof key === 'string') s = (u.shape as Record<string, AnySchema>)[key];
    else if (u instanceof z.ZodArray && typeof key === 'number') s = u.element as AnySchema;
    else if (u instanceof z.ZodRecord) s = u.valueType as AnySchema;
    else if (u instanceof z.ZodUnion) {
      s = (u.options as AnySchema[]).map((o) => schemaAt(o, [key])).find((x) => x !== undefined);
    } else return undefined;
  }
  return s;
}

/** The keys an object schema accepts (empty when the schema is not an object). */
export function objectKeys(schema: AnySchema | undefined): string[] {
  const u = schema && unwrap(schema);
  return u instanceof z.ZodObject ? Object.keys(u.shape) : [];
}

/** 'number' | 'boolean' | 'string' | … : the primitive a field expects, for env coercion. */
export function primitiveKind(schema: AnySchema | undefined): 'number' | 'boolean' | 'string' | 'other' {
  const u = schema && unwrap(schema);
  if (u instanceof z.ZodNumber) return 'number';
  if (u instanceof z.ZodBoolean) return 'boolean';
  if (u instanceof z.ZodString || u instanceof z.ZodEnum) return 'string';
  return 'other';
}

/** The nearest key in `candidates` to `key` (for "did you mean …?"), when one is close enough. */
export function closestKey(key: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  for (const c of candidates) {
    const d = editDistance(key.toLowerCase(), c.toLowerCase());
    if (d < bestDist) [best, bestDist] = [c, d];
  }
  return best !== undefined && bestDist <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}
