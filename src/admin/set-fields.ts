/**
 * `--set FIELD=VALUE`: the ZCC user settings of `users assign` and `users edit`.
 *
 * FIELD is a dotted path of a leaf in the config's `settingsSchema` (the same settings a mapping
 * takes), e.g. `country_iso_code` or `channel_settings.multi_channel_engagements.max_agent_load`.
 * VALUE is read as the field expects (true/false for booleans, a number for numbers, text as is),
 * then the whole object is validated by the schema, so a bad value gets zod's message with the
 * allowed values or range.
 */
import { z } from 'zod';
import { settingsSchema, type UserSettings } from '../config/schema';
import { closestKey, primitiveKind, schemaAt, unwrap } from '../config/schema-walk';
import { AdminInputError } from './types';

/** Every leaf path of the settings schema, in schema order. */
export function settingFields(schema: z.ZodType = settingsSchema, prefix = ''): string[] {
  const u = unwrap(schema);
  if (!(u instanceof z.ZodObject)) return [prefix];
  return Object.entries(u.shape as Record<string, z.ZodType>).flatMap(([k, s]) => settingFields(s, prefix ? `${prefix}.${k}` : k));
}

/** Reads a raw value as the field's type expects; anything unreadable stays text for zod to reject. */
export function readValue(raw: string, kind: ReturnType<typeof primitiveKind>): unknown {
  const v = raw.trim();
  if (kind === 'boolean') {
    if (/^(true|yes|on)$/i.test(v)) return true;
    if (/^(false|no|off)$/i.test(v)) return false;
    return v;
  }
  if (kind === 'number') return v !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
  return raw;
}

/** Parses `--set` arguments; throws an AdminInputError naming every bad argument. */
export function parseSetFields(args: readonly string[]): UserSettings {
  const { settings, problems } = readSetFields(args);
  if (problems.length) throw new AdminInputError(problems);
  return settings;
}

/**
 * Reads `--set` arguments into a settings object, and every problem: unknown field (with the list
 * of valid ones), missing `=`, a field given twice, a value the schema refuses.
 */
export function readSetFields(args: readonly string[]): { settings: UserSettings; problems: string[] } {
  const fields = settingFields();
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  const seen = new Map<string, string>();
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) {
      problems.push(`--set "${arg}": expected FIELD=VALUE, e.g. --set country_iso_code=US`);
      continue;
    }
    const field = arg.slice(0, eq).trim();
    const raw = arg.slice(eq + 1);
    if (!fields.includes(field)) {
      const group = fields.filter((f) => f.startsWith(`${field}.`));
      const near = closestKey(field, fields);
      problems.push(
        group.length
          ? `--set ${field}: is a group of settings; set one of its fields: ${group.join(', ')}`
          : `--set ${field}: unknown field${near ? ` (did you mean ${near}?)` : ''}; valid fields: ${fields.join(', ')}`,
      );
      continue;
    }
    if (seen.has(field)) {
      problems.push(`--set ${field}: given twice ("${seen.get(field)}" and "${arg}"); give it once`);
      continue;
    }
    seen.set(field, arg);
    const path = field.split('.');
    const value = readValue(raw, primitiveKind(schemaAt(settingsSchema, path)));
    let node = out;
    for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
    node[path[path.length - 1]] = value;
  }
  if (problems.length === 0) {
    const parsed = settingsSchema.safeParse(out);
    if (parsed.success) return { settings: parsed.data, problems };
    for (const issue of parsed.error.issues) {
      const field = issue.path.join('.');
      const hint = allowed(schemaAt(settingsSchema, issue.path as string[]));
      problems.push(`--set ${seen.get(field) ?? field}: ${issue.message}${hint ? ` (allowed: ${hint})` : ''}`);
    }
  }
  return { settings: {}, problems };
}

/** The allowed values of a leaf, for messages: a number range, true/false. */
function allowed(schema: z.ZodType | undefined): string | undefined {
  const u = schema && unwrap(schema);
  if (u instanceof z.ZodBoolean) return 'true or false';
  if (u instanceof z.ZodNumber) {
    const min = u.minValue;
    const max = u.maxValue;
    const whole = u.isInt ? 'a whole number' : 'a number';
    if (min !== null && max !== null && Number.isFinite(min) && Number.isFinite(max)) return `${whole} from ${min} to ${max}`;
    return whole;
  }
  return undefined;
}
