/**
 * Console benchmark: how long the console's Users page takes with 100k ZCC users, and how much
 * memory the console process holds while it serves it. Goal: every page below 1 s.
 *
 * Set-up (timed as "seed"): a SQLite store in a temp dir (openStore: migrations), the ZCC mirror
 * filled as a full run leaves it — `zcc_users` (N users, 5 roles, 10% inactive, names and emails
 * drawn from common first names and a skewed list of surnames), `zcc_user_queues` (~1.5 queues a
 * user over 20 queues of skewed sizes), the `zccMirrorFull` / `zccMirrorChangedAt` facts, and
 * `managed_users` rows for half the users. The seeding runs in a child process (this file with
 * `--seed-into DIR N`), so this process, the console's, starts as clean as `zcc-sync console`
 * does; it opens the store itself.
 *
 * The console is the real Fastify app (`buildConsole`) in this process, on a loopback port, over
 * that store, a Temporal client on a lazy connection (the Users page never calls Temporal) and a
 * ZCC client that is never called; sign-in is stubbed (viewer + operator, so the page has its
 * check boxes and menus). It is driven over real HTTP with Node's fetch: GET /sign-in (session
 * cookie, CSRF token), POST /sign-in, then for each case one unmeasured request (printed as
 * "cold") and R timed ones (default 20), each timed to the last byte of the body:
 *
 *   first page     /users
 *   deep page      /users?page=1000
 *   surname ~1%    /users?search=<a surname about 1% of the users have>
 *   exact email    /users?search=<one user's email>
 *   queue+inactive /users?queue=<largest queue>&status=inactive
 *   combined       /users?queue=<largest queue>&status=active&role=Agent&search=<a first name>
 *
 * Every answer must be 200 and show the rows and total the generated data says (else it fails).
 * Memory: RSS at start (modules loaded), before the app was built (after the seeding child
 * exited), after listen; during the timed requests RSS and V8 heap used sampled every 50 ms
 * (max), and the kernel's peak-RSS mark (VmHWM, reset before the timed requests). The process is
 * both client and server, so the figures are an upper bound for the console alone.
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/console.js [--users N] [--runs R] [--keep]
 *   (or: npm run bench:console)
 *
 * --keep: keep the temp dir with the store (its path is printed). Compare only numbers taken on
 * the same machine.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { buildConsole } from '../console/app';
import { PAGE_SIZE } from '../console/users/filters';
import { configSchema, type Config } from '../src/config/schema';
import { reconcileRunIdOf } from '../src/domain/runs';
import { insertInSlices } from '../src/store/bulk';
import { closeStore, inTransaction, openStore, sqliteFilename } from '../src/store/db';
import { putFact } from '../src/store/facts';
import { createZoomClient } from '../src/zoom';
import { mulberry32 } from '../src/util/mulberry32';

const GOAL_MS = 1000;
const SAMPLE_EVERY_MS = 50;
const DOMAIN = 'example.com';

// ---- arguments -----------------------------------------------------------------------------------

interface Args {
  users: number;
  runs: number;
  keep: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { users: 100_000, runs: 20, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const count = (flag: string, min: number) => {
      const n = Number((argv[++i] ?? '').replace(/[_,]/g, ''));
      if (!Number.isInteger(n) || n < min) throw new Error(`${flag}: got "${argv[i]}" — expected a whole number ≥ ${min}`);
      return n;
    };
    if (argv[i] === '--users') args.users = count('--users', 1000);
    else if (argv[i] === '--runs') args.runs = count('--runs', 1);
    else if (argv[i] === '--keep') args.keep = true;
    else throw new Error(`unknown argument ${argv[i]} (usage: node dist/bench/console.js [--users N] [--runs R] [--keep])`);
  }
  return args;
}

// ---- the generated account -------------------------------------------------------------------------


const FIRST_NAMES = [
  'James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth', 'William', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica',
  'Thomas', 'Sarah', 'Charles', 'Karen', 'Christopher', 'Lisa', 'Daniel', 'Nancy', 'Matthew', 'Betty', 'Anthony', 'Margaret', 'Mark', 'Sandra', 'Donald', 'Ashley',
  'Steven', 'Kimberly', 'Paul', 'Emily', 'Andrew', 'Donna', 'Joshua', 'Michelle', 'Kenneth', 'Carol', 'Kevin', 'Amanda', 'Brian', 'Dorothy', 'George', 'Melissa',
  'Timothy', 'Deborah', 'Ronald', 'Stephanie', 'Jason', 'Rebecca', 'Edward', 'Sharon', 'Jeffrey', 'Laura', 'Ryan', 'Cynthia', 'Jacob', 'Amy', 'Gary', 'Kathleen',
  'Nicholas', 'Angela', 'Eric', 'Shirley', 'Jonathan', 'Brenda', 'Stephen', 'Emma', 'Larry', 'Anna', 'Justin', 'Pamela', 'Scott', 'Nicole', 'Brandon', 'Samantha',
  'Sofia', 'Mateo', 'Aisha', 'Wei', 'Priya', 'Arjun', 'Yuki', 'Kenji', 'Fatima', 'Omar', 'Ingrid', 'Lars', 'Chloe', 'Lucas', 'Amara', 'Tariq',
];
const SURNAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas',
  'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson', 'Walker', 'Young',
  'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores', 'Green', 'Adams', 'Nelson', 'Baker', 'Hall', 'Rivera', 'Campbell', 'Mitchell',
  'Carter', 'Roberts', 'Okafor', 'Kowalski', 'Schmidt', 'Novak', 'Fischer', 'Rossi', 'Dubois', 'Jensen', 'Tanaka', 'Suzuki', 'Patel', 'Shah', 'Khan', 'Singh',
  'Chen', 'Wang', 'Zhang', 'Kim', 'Park', 'Choi', 'Silva', 'Santos', 'Oliveira', 'Costa', 'Haddad', 'Mensah', 'Abara', 'Ivanova', 'Petrov', 'Horvath',
  'Lindqvist', 'Berg', 'Murphy', 'Kelly', 'Byrne', 'Walsh', 'Evans', 'Hughes', 'Morgan', 'Price', 'Bennett', 'Cooper', 'Reed', 'Bailey', 'Bell', 'Murray',
];
const ROLES: Array<[string, number]> = [['Agent', 0.75], ['Supervisor', 0.1], ['Team Lead', 0.07], ['Quality Analyst', 0.05], ['Admin', 0.03]];
const PACKAGES: Array<[string, number]> = [['essentials', 0.6], ['premium', 0.3], ['elite', 0.1]];
const QUEUES = [
  'Support', 'Billing', 'Sales', 'Technical Support Tier 2', 'Sales EMEA', 'Sales APAC', 'Retention', 'Onboarding', 'Claims', 'Collections',
  'Escalations', 'Spanish Support', 'French Support', 'German Support', 'Returns', 'Shipping', 'Partners', 'Accounts', 'VIP', 'After Hours',
];
/** Queues per user: 0 15%, 1 35%, 2 35%, 3 15% (1.5 on average). */
const QUEUE_COUNTS: Array<[number, number]> = [[0, 0.15], [1, 0.35], [2, 0.35], [3, 0.15]];

interface GenUser {
  email: string;
  /** lower case, as the page's search compares */
  nameLower: string;
  role: string;
  access: 'active' | 'inactive';
  queues: string[];
}

interface Account {
  users: GenUser[];
  zccUsers: Record<string, string | null>[];
  memberships: Record<string, string>[];
  managed: Record<string, string | null>[];
  fullRunId: string;
  fullAt: string;
  changedAt: string;
}

function generate(n: number): Account {
  const rnd = mulberry32(20_240_611);
  const pickWeighted = <T>(items: Array<[T, number]>): T => {
    let r = rnd();
    for (const [v, w] of items) if ((r -= w) < 0) return v;
    return items[items.length - 1][0];
  };
  // Surnames and queues are skewed (rank^-0.6, rank^-0.8), as real ones are: a few large, a long tail.
  const surnameWeights = SURNAMES.map((s, i): [string, number] => [s, 1 / Math.pow(i + 1, 0.6)]);
  const sw = surnameWeights.reduce((a, [, w]) => a + w, 0);
  for (const x of surnameWeights) x[1] /= sw;
  const queueWeights = QUEUES.map((_, i) => 1 / Math.pow(i + 1, 0.8));
  const pickQueues = (k: number): string[] => {
    const chosen = new Set<number>();
    while (chosen.size < k) {
      const free = queueWeights.map((w, i) => (chosen.has(i) ? 0 : w));
      let r = rnd() * free.reduce((a, b) => a + b, 0);
      let i = 0;
      while ((r -= free[i]) >= 0 && i < free.length - 1) i++;
      chosen.add(i);
    }
    return [...chosen].map((i) => QUEUES[i]);
  };
  const idChars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const userId = () => Array.from({ length: 22 }, () => idChars[Math.floor(rnd() * 64)]).join('');

  const fullRunId = reconcileRunIdOf(randomUUID());
  const fullAt = new Date(Date.now() - 3 * 3_600_000).toISOString();
  const changedAt = new Date(Date.now() - 20 * 60_000).toISOString();
  const taken = new Map<string, number>();
  const users: GenUser[] = [];
  const zccUsers: Record<string, string | null>[] = [];
  const memberships: Record<string, string>[] = [];
  const managed: Record<string, string | null>[] = [];
  for (let i = 0; i < n; i++) {
    const first = FIRST_NAMES[Math.floor(rnd() * FIRST_NAMES.length)];
    const last = pickWeighted(surnameWeights);
    const base = `${first}.${last}`.toLowerCase();
    const k = (taken.get(base) ?? 0) + 1;
    taken.set(base, k);
    const email = `${base}${k === 1 ? '' : k}@${DOMAIN}`;
    const name = `${first} ${last}`;
    const role = pickWeighted(ROLES);
    const access = rnd() < 0.1 ? 'inactive' : 'active';
    const queues = pickQueues(pickWeighted(QUEUE_COUNTS));
    users.push({ email, nameLower: name.toLowerCase(), role, access, queues });
    // A tenth were changed by ops after the full read (updated_at later, by another run).
    const touched = rnd() < 0.1;
    const id = userId();
    zccUsers.push({ email, user_id: id, display_name: name, role_name: role, package_name: pickWeighted(PACKAGES), access, updated_at: touched ? changedAt : fullAt, updated_by_run: touched ? reconcileRunIdOf(randomUUID()) : fullRunId });
    for (const queue of queues) memberships.push({ email, queue });
    if (i % 2 === 0) managed.push({ email, user_id: id, provisioned_by: fullRunId, provisioned_at: fullAt, deactivated_at: access === 'inactive' ? changedAt : null, removed_at: null });
  }
  return { users, zccUsers, memberships, managed, fullRunId, fullAt, changedAt };
}

/** The page's search: "contains", either email or name, ignoring case. */
const matches = (u: GenUser, text: string) => u.email.includes(text.toLowerCase()) || u.nameLower.includes(text.toLowerCase());

interface Case {
  name: string;
  url: string;
  /** What the generated data says the page must show. */
  total: number;
  page: number;
}

function cases(a: Account): Case[] {
  const { users } = a;
  const count = (f: (u: GenUser) => boolean) => users.filter(f).length;
  // The surname whose search matches closest to 1% of the users.
  const surname = SURNAMES.map((s) => ({ s, n: count((u) => matches(u, s)) })).sort((x, y) => Math.abs(x.n - users.length / 100) - Math.abs(y.n - users.length / 100))[0].s;
  const email = users[Math.floor(users.length * 0.54321)].email;
  const sizes = new Map<string, number>();
  for (const u of users) for (const q of u.queues) sizes.set(q, (sizes.get(q) ?? 0) + 1);
  const queue = [...sizes].sort((x, y) => y[1] - x[1])[0][0];
  const firstName = 'Sofia';
  const deep = 1000;
  const all = (f: Omit<Case, 'total'>, pred: (u: GenUser) => boolean): Case => ({ ...f, total: count(pred) });
  return [
    all({ name: 'first page', url: '/users', page: 1 }, () => true),
    all({ name: `deep page (${deep})`, url: `/users?page=${deep}`, page: deep }, () => true),
    all({ name: `surname "${surname}"`, url: `/users?search=${encodeURIComponent(surname)}`, page: 1 }, (u) => matches(u, surname)),
    all({ name: 'exact email', url: `/users?search=${encodeURIComponent(email)}`, page: 1 }, (u) => matches(u, email)),
    all({ name: `queue "${queue}" inactive`, url: `/users?queue=${encodeURIComponent(queue)}&status=inactive`, page: 1 }, (u) => u.queues.includes(queue) && u.access === 'inactive'),
    all(
      { name: `queue+active+Agent+"${firstName}"`, url: `/users?queue=${encodeURIComponent(queue)}&status=active&role=Agent&search=${firstName}`, page: 1 },
      (u) => u.queues.includes(queue) && u.access === 'active' && u.role === 'Agent' && matches(u, firstName),
    ),
  ];
}

// ---- memory --------------------------------------------------------------------------------------

const mb = (bytes: number) => bytes / 1024 / 1024;

/** The kernel's field of /proc/self/status in MB (VmHWM: peak RSS), NaN off Linux. */
function statusMb(field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

class MemorySampler {
  maxRss = 0;
  maxHeapUsed = 0;
  private timer: NodeJS.Timeout | undefined;
  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), SAMPLE_EVERY_MS);
  }
  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }
  private sample(): void {
    const m = process.memoryUsage();
    this.maxRss = Math.max(this.maxRss, m.rss);
    this.maxHeapUsed = Math.max(this.maxHeapUsed, m.heapUsed);
  }
}

// ---- HTTP ----------------------------------------------------------------------------------------

function sessionCookie(res: Response): string | undefined {
  for (const c of res.headers.getSetCookie()) {
    const m = /^zcc_console=([^;]*)/.exec(c);
    if (m) return `zcc_console=${m[1]}`;
  }
  return undefined;
}

async function signIn(base: string): Promise<string> {
  const form = await fetch(`${base}/sign-in`, { redirect: 'manual' });
  const formHtml = await form.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(formHtml)?.[1];
  const cookie = sessionCookie(form);
  if (form.status !== 200 || !csrf || !cookie) throw new Error(`GET /sign-in: status ${form.status}, CSRF token ${csrf ? 'found' : 'missing'}, cookie ${cookie ? 'set' : 'missing'}`);
  const res = await fetch(`${base}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ _csrf: csrf, name: 'bench', password: 'bench', next: '/users' }).toString(),
  });
  await res.arrayBuffer();
  const signedIn = sessionCookie(res);
  if (res.status !== 302 || !signedIn) throw new Error(`POST /sign-in: expected a 302 with a new session cookie, got ${res.status} (cookie ${signedIn ? 'set' : 'missing'})`);
  return signedIn;
}

interface Answer {
  ms: number;
  bytes: number;
  rows: number;
  total: number;
}

/** One GET, timed to the last byte of the body; fails unless 200 with the page's row count and total. */
async function timedGet(base: string, cookie: string, c: Case): Promise<Answer> {
  const t0 = performance.now();
  const res = await fetch(`${base}${c.url}`, { redirect: 'manual', headers: { cookie } });
  const body = await res.text();
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`${c.name}: GET ${c.url} answered ${res.status}${res.headers.get('location') ? ` → ${res.headers.get('location')}` : ''}: ${body.slice(0, 300)}`);
  const rows = body.match(/<tr data-email="/g)?.length ?? 0;
  const pager = /<span>(\d+)–(\d+) of (\d+)<\/span>/.exec(body);
  const total = pager ? Number(pager[3]) : NaN;
  const expectedRows = Math.max(0, Math.min(PAGE_SIZE, c.total - (c.page - 1) * PAGE_SIZE));
  if (total !== c.total || rows !== expectedRows) {
    throw new Error(`${c.name}: GET ${c.url} showed ${rows} rows of ${pager ? total : '(no pager)'}; the data says ${expectedRows} rows of ${c.total}`);
  }
  return { ms, bytes: Buffer.byteLength(body), rows, total };
}

// ---- main ----------------------------------------------------------------------------------------

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
const fmt = (x: number, d = 1) => x.toFixed(d);

interface Result {
  c: Case;
  cold: number;
  p50: number;
  p95: number;
  max: number;
  bytes: number;
  rows: number;
}

interface Seeded {
  seedMs: number;
  generateMs: number;
  counts: { users: number; memberships: number; managed: number };
  cases: Case[];
}

/**
 * In a child process (`--seed-into DIR`), so the console's process starts without the seeding's
 * garbage and freed-but-mapped memory: its RSS before the app is what `zcc-sync console` starts with.
 */
async function seedInto(dir: string, users: number): Promise<void> {
  const t0 = performance.now();
  const account = generate(users);
  const generateMs = performance.now() - t0;
  const seedDb = await openStore(storeConfig(dir));
  await inTransaction(seedDb, async (tx) => {
    await insertInSlices(tx, 'zcc_users', account.zccUsers);
    await insertInSlices(tx, 'zcc_user_queues', account.memberships);
    await insertInSlices(tx, 'managed_users', account.managed);
    await putFact(tx, 'zccMirrorFull', { runId: account.fullRunId, at: account.fullAt });
    await putFact(tx, 'zccMirrorChangedAt', account.changedAt);
  });
  await closeStore(seedDb);
  const seeded: Seeded = {
    seedMs: performance.now() - t0,
    generateMs,
    counts: { users: account.zccUsers.length, memberships: account.memberships.length, managed: account.managed.length },
    cases: cases(account),
  };
  writeFileSync(path.join(dir, 'seeded.json'), JSON.stringify(seeded));
}

const storeConfig = (dir: string): Config => configSchema.parse({ stateDir: dir, store: { client: 'sqlite3', connection: path.join(dir, 'zcc-sync.sqlite') }, log: { level: 'warn' } });

async function main(): Promise<void> {
  const seedAt = process.argv.indexOf('--seed-into');
  if (seedAt >= 0) return seedInto(process.argv[seedAt + 1], Number(process.argv[seedAt + 2]));
  const args = parseArgs(process.argv.slice(2));
  const out = (s = '') => process.stdout.write(`${s}\n`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zcc-bench-console-'));
  const config = storeConfig(dir);
  const rssAtStart = mb(process.memoryUsage().rss);
  const heapAtStart = mb(process.memoryUsage().heapUsed);

  // Seed: the store as a full run and its later ops leave it (timed from the child's start to its exit).
  process.stderr.write(`seeding ${args.users} ZCC users into ${sqliteFilename(config)}…\n`);
  const tSeed = performance.now();
  const child = spawnSync(process.execPath, [__filename, '--seed-into', dir, String(args.users)], { stdio: ['ignore', 'inherit', 'inherit'] });
  const seedWallMs = performance.now() - tSeed;
  if (child.status !== 0) throw new Error(`seeding failed (exit ${child.status ?? child.signal})`);
  const seeded = JSON.parse(readFileSync(path.join(dir, 'seeded.json'), 'utf8')) as Seeded;
  const { counts, cases: list } = seeded;

  // The console, as `zcc-sync console` builds it, over its own store handle.
  const rssBeforeApp = mb(process.memoryUsage().rss);
  const heapBeforeApp = mb(process.memoryUsage().heapUsed);
  const db = await openStore(config);
  const connection = Connection.lazy({ address: '127.0.0.1:1' });
  const app = await buildConsole({
    config, db,
    temporal: new Client({ connection, namespace: 'default' }),
    zoom: createZoomClient(config.contactCenter),
    sessionKey: randomBytes(32),
    signIn: async () => ({ ok: true, user: { name: 'bench', dn: 'uid=bench', displayName: 'Bench', roles: ['viewer', 'operator'] } }),
  });
  const results: Result[] = [];
  let rssAfterListen = NaN;
  let rssAfter = NaN;
  let peakMark = NaN;
  const sampler = new MemorySampler();
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    rssAfterListen = mb(process.memoryUsage().rss);
    const cookie = await signIn(base);

    const colds = new Map<Case, Answer>();
    for (const c of list) colds.set(c, await timedGet(base, cookie, c)); // warm-up, one each
    const marked = resetPeakRss();
    sampler.start();
    for (const c of list) {
      const times: number[] = [];
      let last: Answer | undefined;
      for (let i = 0; i < args.runs; i++) {
        last = await timedGet(base, cookie, c);
        times.push(last.ms);
      }
      times.sort((x, y) => x - y);
      results.push({ c, cold: colds.get(c)!.ms, p50: pct(times, 50), p95: pct(times, 95), max: times[times.length - 1], bytes: last!.bytes, rows: last!.rows });
    }
    sampler.stop();
    if (marked) peakMark = statusMb('VmHWM');
    rssAfter = mb(process.memoryUsage().rss);
  } finally {
    sampler.stop();
    await app.close();
    await connection.close().catch(() => undefined);
    await closeStore(db);
    if (args.keep) process.stderr.write(`kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }

  // ---- figures
  out();
  out(`Console benchmark: Users page over the ZCC mirror, ${counts.users} users, ${counts.memberships} queue memberships (${QUEUES.length} queues), ${counts.managed} managed; ${args.runs} timed requests per case after 1 warm-up (${new Date().toISOString()}, node ${process.version})`);
  out(`seed: ${fmt(seedWallMs / 1000, 2)} s wall in a child process (generate ${fmt(seeded.generateMs / 1000, 2)} s, store + migrations + inserts ${fmt((seeded.seedMs - seeded.generateMs) / 1000, 2)} s)`);
  const cols: Array<[string, (r: Result) => string]> = [
    ['case', (r) => r.c.name],
    ['matches', (r) => String(r.c.total)],
    ['rows', (r) => String(r.rows)],
    ['KB', (r) => fmt(r.bytes / 1024)],
    ['cold ms', (r) => fmt(r.cold)],
    ['p50 ms', (r) => fmt(r.p50)],
    ['p95 ms', (r) => fmt(r.p95)],
    ['max ms', (r) => fmt(r.max)],
  ];
  const table = [cols.map(([h]) => h), ...results.map((r) => cols.map(([, f]) => f(r)))];
  const widths = cols.map((_, i) => Math.max(...table.map((row) => row[i].length)));
  for (const row of table) out(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  for (const r of results) out(`  ${r.c.name}: ${r.c.url}`);
  out(`memory (MB): RSS at start (modules loaded) ${fmt(rssAtStart)} (heap used ${fmt(heapAtStart)}), before the app (store seeded by the child) ${fmt(rssBeforeApp)} (heap used ${fmt(heapBeforeApp)}), after listen ${fmt(rssAfterListen)}; ` +
    `during the timed requests: RSS max ${fmt(mb(sampler.maxRss))} (sampled every ${SAMPLE_EVERY_MS} ms), peak mark ${Number.isNaN(peakMark) ? 'n/a' : fmt(peakMark)} (VmHWM), heap used max ${fmt(mb(sampler.maxHeapUsed))}; RSS after ${fmt(rssAfter)}`);
  out(`  the console's own share: RSS max − RSS before the app = ${fmt(mb(sampler.maxRss) - rssBeforeApp)} MB (client and server in one process)`);
  out(`against the ${GOAL_MS} ms goal (p95 ÷ goal; max ÷ goal):`);
  for (const r of results) out(`  ${r.c.name.padEnd(widths[0])}  ratio to goal ${fmt(r.p95 / GOAL_MS, 3)} (max ${fmt(r.max / GOAL_MS, 3)})  ${r.max < GOAL_MS ? 'OK' : r.p95 < GOAL_MS ? 'p95 OK, max over' : 'OVER'}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
