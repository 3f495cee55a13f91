/**
 * Scrubbing of known secret values from free text. Path-based redaction (pino `redact`) only hides
 * fields it knows by name; a password echoed inside an error message from a library would slip
 * through, so text that leaves the process is also checked for the configured secret values.
 */

export const REDACTED = '[redacted]';

/**
 * Secrets shorter than this are not scrubbed from free text: replacing every "abc" in a log line
 * would garble it while protecting nothing that a guess would not find. Path redaction still applies.
 */
export const MIN_SCRUB_LENGTH = 4;

/** The forms a secret takes in text: as is, JSON-escaped (inside a log line) and URL-encoded. */
function secretForms(secret: string): string[] {
  const forms = new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]);
  return [...forms].filter((f) => f.length >= MIN_SCRUB_LENGTH);
}

/** Replaces every occurrence of each secret value in `text` with `[redacted]`. */
export function redactSecrets(text: string, secrets: Iterable<string | undefined | null>, replacement = REDACTED): string {
  const forms = [...new Set([...secrets].filter((s): s is string => typeof s === 'string').flatMap(secretForms))]
    // Longest first, so a secret containing another is replaced whole.
    .sort((a, b) => b.length - a.length);
  let out = text;
  for (const f of forms) if (out.includes(f)) out = out.split(f).join(replacement);
  return out;
}

/** A reusable scrubber for a fixed set of secrets (the logger calls it on every line). */
export function secretScrubber(secrets: Iterable<string | undefined | null>): (text: string) => string {
  const list = [...secrets].filter((s): s is string => typeof s === 'string' && s.length >= MIN_SCRUB_LENGTH);
  if (list.length === 0) return (text) => text;
  return (text) => redactSecrets(text, list);
}
