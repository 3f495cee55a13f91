/**
 * `zcc-sync directory preview`: what the directory read makes of the mapped groups, before any
 * run — like GCDS's "Test LDAP query". Read-only: the same read a reconcile makes (same filters,
 * nesting, disabled rule, email source and rewrite), no store, no workflow.
 */
import type { Config } from '../config/schema';
import { DIRECTORY_PRESETS } from '../config/directory-types';
import type { DirectoryUser, DirectoryWarning } from '../domain/types';
import type { DirectoryLogger } from './connect';
import { normalizeDn } from './dn';
import { readDirectory, type DirectoryStats } from './snapshot';

export interface GroupPreview {
  group: string;
  /** Members that resolve to a user with a usable email (nested ones included, per nestedGroups). */
  members: number;
  /** Of those, disabled in the directory (leavers). */
  disabled: number;
  /** The first `limit` members in email order. */
  sample: Array<{ email: string; name: string; dn: string; disabled: boolean }>;
}

export interface DirectoryPreview {
  type: Config['directory']['type'];
  /** What "disabled" means for this directory type. */
  disabledMeans: string;
  url: string;
  users: number;
  disabled: number;
  groups: GroupPreview[];
  warnings: DirectoryWarning[];
  stats: DirectoryStats;
}

export async function previewDirectory(config: Pick<Config, 'directory' | 'mappings'>, limit: number, logger: DirectoryLogger): Promise<DirectoryPreview> {
  const dir = config.directory;
  const groups = [...new Set(config.mappings.map((m) => m.group))];
  const snapshot = await readDirectory(dir, groups, logger);
  return {
    type: dir.type,
    disabledMeans: dir.disabledFilter ? `the entry matches directory.disabledFilter ${dir.disabledFilter}` : DIRECTORY_PRESETS[dir.type].disabledMeans,
    url: dir.url,
    users: snapshot.userCount,
    disabled: snapshot.disabledCount,
    groups: groups.map((group) => groupPreview(group, snapshot.users, limit)),
    // Disabled members are leavers, not problems of the read; the preview lists them with the rest.
    warnings: [
      ...snapshot.warnings,
      ...snapshot.users.filter((u) => u.disabled).map((u): DirectoryWarning => ({
        code: 'disabled', subject: u.dn, message: `${u.email} is disabled in the directory: a leaver, not provisioned`,
      })),
    ],
    stats: snapshot.stats,
  };
}

function groupPreview(group: string, users: DirectoryUser[], limit: number): GroupPreview {
  const key = normalizeDn(group);
  const members = users.filter((u) => u.groups.some((g) => normalizeDn(g) === key));
  return {
    group,
    members: members.length,
    disabled: members.filter((u) => u.disabled).length,
    sample: members.slice(0, limit).map((u) => ({ email: u.email, name: u.displayName, dn: u.dn, disabled: u.disabled === true })),
  };
}

/** The preview as lines for a terminal. */
export function renderPreview(p: DirectoryPreview): string[] {
  const lines = [`Directory: ${p.type} at ${p.url} — ${p.users} user(s) in the mapped groups, ${p.disabled} disabled (disabled means: ${p.disabledMeans})`, ''];
  for (const g of p.groups) {
    lines.push(`${g.group}: ${g.members} member(s)${g.disabled ? `, ${g.disabled} disabled` : ''}`);
    const width = Math.max(5, ...g.sample.map((s) => s.email.length));
    for (const s of g.sample) lines.push(`  ${s.email.padEnd(width)}  ${s.name}${s.disabled ? '  [disabled in the directory]' : ''}`);
    if (g.members > g.sample.length) lines.push(`  … and ${g.members - g.sample.length} more`);
  }
  lines.push('');
  if (p.warnings.length === 0) lines.push('No warnings.');
  else {
    lines.push(`Warnings (${p.warnings.length}):`);
    for (const w of p.warnings) lines.push(`  ! ${w.code}: ${w.message}${w.subject ? ` (${w.subject})` : ''}`);
  }
  lines.push('', `Read ${p.stats.groupsRead} group(s) and ${p.stats.usersRead} user entr${p.stats.usersRead === 1 ? 'y' : 'ies'} in ${(p.stats.ms / 1000).toFixed(1)} s.`);
  return lines;
}
