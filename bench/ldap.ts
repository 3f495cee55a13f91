/**
 * LDAP benchmark: for 10k and 100k users, the time to generate the LDIF, build cn=config, bulk
 * load with slapadd, start slapd, and read everything back with paged ldapts searches (users
 * with memberOf, then groups with their member lists), plus peak memory.
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/ldap.js [N ...]     (default: 10000 100000)
 *
 * Each N runs in its own child process, so its peak RSS is its own. Figures go to stdout and to
 * bench/results/ldap-<time>.json. Compare only numbers taken on the same machine.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Client } from 'ldapts';
import { GROUPS_BASE, PEOPLE_BASE, writeGeneratedDirectory } from '../devstack/ldif';
import { initInstance, loadLdif, startSlapd } from '../devstack/slapd';

const REPO = path.resolve(__dirname, '..', '..');
const GROUPS = 20;

interface Result {
  users: number;
  ldifMB: number;
  generateS: number;
  initS: number;
  slapaddS: number;
  startS: number;
  readUsersS: number;
  usersRead: number;
  pages: number;
  readGroupsS: number;
  memberValues: number;
  nodePeakRssMB: number;
  slapdPeakRssMB: number;
  dataMB: number;
}

const secs = (t0: number) => Number(((performance.now() - t0) / 1000).toFixed(2));

function vmHwmMB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

/** du of a sparse file: the MDB map is 4 GiB apparent, only the written pages count. */
function actualMB(file: string): number {
  try {
    return Math.round((statSync(file).blocks * 512) / 1024 / 1024);
  } catch {
    return NaN;
  }
}

async function runOne(users: number): Promise<Result> {
  const dir = path.join(REPO, '.state', 'bench', `ldap-${users}`);
  const ldif = path.join(dir, 'data.ldif');
  await rm(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    let t = performance.now();
    const stats = await writeGeneratedDirectory(ldif, { users, groups: GROUPS });
    const generateS = secs(t);
    t = performance.now();
    await initInstance(dir);
    const initS = secs(t);
    t = performance.now();
    await loadLdif(dir, ldif);
    const slapaddS = secs(t);
    t = performance.now();
    const slapd = await startSlapd({ dir });
    const startS = secs(t);
    const client = new Client({ url: slapd.url, timeout: 300_000 });
    try {
      await client.bind(slapd.readerDN, slapd.readerPassword);
      t = performance.now();
      let usersRead = 0;
      let pages = 0;
      for await (const page of client.searchPaginated(PEOPLE_BASE, {
        filter: '(objectClass=inetOrgPerson)',
        attributes: ['uid', 'mail', 'displayName', 'entryUUID', 'memberOf'],
        paged: { pageSize: 1000 },
      })) {
        pages++;
        usersRead += page.searchEntries.length;
      }
      const readUsersS = secs(t);
      t = performance.now();
      const groups = await client.search(GROUPS_BASE, { filter: '(objectClass=groupOfNames)', attributes: ['cn', 'member'], paged: { pageSize: 100 } });
      const memberValues = groups.searchEntries.reduce((n, e) => n + ([] as unknown[]).concat(e.member ?? []).length, 0);
      const readGroupsS = secs(t);
      const slapdPeakRssMB = vmHwmMB(slapd.pid);
      return {
        users: stats.users,
        ldifMB: Number((stats.bytes / 1024 / 1024).toFixed(1)),
        generateS, initS, slapaddS, startS, readUsersS, usersRead, pages, readGroupsS, memberValues,
        nodePeakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
        slapdPeakRssMB,
        dataMB: actualMB(path.join(dir, 'data', 'data.mdb')),
      };
    } finally {
      await client.unbind().catch(() => undefined);
      await slapd.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--one') {
    process.stdout.write(JSON.stringify(await runOne(Number(args[1]))));
    return;
  }
  const sizes = args.length ? args.map(Number) : [10_000, 100_000];
  const results: Result[] = [];
  for (const n of sizes) {
    const out = execFileSync(process.execPath, [__filename, '--one', String(n)], { encoding: 'utf8', maxBuffer: 1 << 20, stdio: ['ignore', 'pipe', 'inherit'] });
    results.push(JSON.parse(out) as Result);
  }
  const rows: Array<[string, (r: Result) => string]> = [
    ['users (N + 2 special)', (r) => String(r.users)],
    ['LDIF size', (r) => `${r.ldifMB} MB`],
    ['generate LDIF', (r) => `${r.generateS} s`],
    ['cn=config (slapadd -n0)', (r) => `${r.initS} s`],
    ['bulk load (slapadd -q -w)', (r) => `${r.slapaddS} s`],
    ['load total (generate + config + slapadd)', (r) => `${(r.generateS + r.initS + r.slapaddS).toFixed(2)} s`],
    ['slapd start → ldapi answers', (r) => `${r.startS} s`],
    ['paged read users + memberOf (1000/page)', (r) => `${r.readUsersS} s (${r.usersRead} users, ${r.pages} pages)`],
    ['read groups + member lists', (r) => `${r.readGroupsS} s (${r.memberValues} member values)`],
    ['data.mdb on disk', (r) => `${r.dataMB} MB`],
    ['peak RSS node (this benchmark)', (r) => `${r.nodePeakRssMB} MB`],
    ['peak RSS slapd', (r) => `${r.slapdPeakRssMB} MB`],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  process.stdout.write(`LDAP benchmark (${GROUPS} groups; ${new Date().toISOString()})\n`);
  for (const [label, fn] of rows) process.stdout.write(`${label.padEnd(width)}  ${results.map((r) => fn(r).padEnd(36)).join('')}\n`);
  const dir = path.join(REPO, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `ldap-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`(written to ${path.relative(process.cwd(), file)})\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
