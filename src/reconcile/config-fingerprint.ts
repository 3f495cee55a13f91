/**
 * A fingerprint of the config that decides who is desired and how: the directory settings (not
 * the password), the mappings and the exclusions. A delta run plans only users whose directory
 * entry changed, so after a change of mappings (a role, a queue, a new group) or of filters it
 * would leave everyone else as the old config wanted them: the delta falls back to a full run.
 */
import { createHash } from 'node:crypto';
import type { Config } from '../config/schema';

export function desiredStateFingerprint(config: Pick<Config, 'directory' | 'mappings' | 'policy'>): string {
  const { bindPassword: _secret, pageSize: _pageSize, ...directory } = config.directory;
  const basis = JSON.stringify({ directory, mappings: config.mappings, exclude: config.policy.exclude });
  return createHash('sha256').update(basis).digest('hex').slice(0, 16);
}
