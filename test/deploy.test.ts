/**
 * What ships in deploy/ (issue 13): the Prometheus alert rules and the Grafana dashboard.
 * - The rules parse and are valid for Prometheus (`promtool check rules`; Debian's `prometheus`
 *   package, which scripts/setup.sh installs), every alert fires as its unit tests say
 *   (`promtool test rules`), and each has what an on-call person needs.
 * - Every dashboard query is valid PromQL (promtool checks them as recording rules).
 * - Every zcc_sync_* metric the rules and the dashboard name exists in the worker's registry
 *   (the temporal_* ones are checked against the SDK's own scrape in metrics.test.ts).
 * Without promtool the PromQL checks are reported as not run (a failure under CI=true).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { registry } from '../src/metrics/registry';
import '../src/metrics/store-gauges'; // registers the scrape-time gauges
import { missingPrerequisite } from './support/ci';

const ROOT = path.join(__dirname, '..');
const RULES = path.join(ROOT, 'deploy', 'prometheus', 'zcc-sync-alerts.yml');
const RULE_TESTS = path.join(ROOT, 'deploy', 'prometheus', 'zcc-sync-alerts.test.yml');
const DASHBOARD = path.join(ROOT, 'deploy', 'grafana', 'zcc-sync.json');

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: Array<{ expr: string; refId: string }>;
}

const rules = parse(fs.readFileSync(RULES, 'utf8')) as { groups: Array<{ name: string; rules: Rule[] }> };
const dashboard = JSON.parse(fs.readFileSync(DASHBOARD, 'utf8')) as { title: string; uid: string; panels: Panel[]; templating: { list: Array<{ type: string; name: string }> } };
const alerts = rules.groups.flatMap((g) => g.rules);
const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p, ...t })));

const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
const hasPromtool = promtool.status === 0;
if (!hasPromtool) missingPrerequisite('deploy.test.ts', 'promtool is not installed, so the PromQL of the rules and the dashboard is not checked', 'scripts/setup.sh (apt package prometheus), or apt-get install prometheus');

/** The series names the registry exposes (a histogram's _bucket, _sum and _count). */
async function exposedNames(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const m of await registry.getMetricsAsJSON()) {
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(`${m.name}${s}`);
    else names.add(m.name);
  }
  return names;
}

const named = (text: string) => [...new Set(text.match(/\bzcc_sync_[a-z0-9_]+/g) ?? [])];

test('the alert rules: the six alarms of issue 13, each with a severity, a summary and a description', () => {
  expect(alerts.map((r) => r.alert)).toEqual(expect.arrayContaining(['ZccSyncWorkerDown', 'ZccSyncReconcileStale', 'ZccSyncRunsFailing', 'ZccSyncHeldRunWaiting', 'ZccSyncZoomRateLimited', 'ZccSyncOutboxFailures']));
  for (const r of alerts) {
    expect({ alert: r.alert, severity: ['critical', 'warning'].includes(r.labels?.severity ?? '') }).toEqual({ alert: r.alert, severity: true });
    expect(r.annotations?.summary?.length ?? 0).toBeGreaterThan(10);
    expect(r.annotations?.description?.length ?? 0).toBeGreaterThan(20);
  }
  expect(alerts.find((r) => r.alert === 'ZccSyncHeldRunWaiting')?.expr).toContain('> 3600');
  expect(alerts.find((r) => r.alert === 'ZccSyncWorkerDown')?.expr).toContain('up{job="zcc-sync"}');
});

test('the dashboard: unique panel ids, a Prometheus datasource variable, a query in every non-row panel', () => {
  expect(dashboard).toMatchObject({ title: 'zcc-sync', uid: 'zcc-sync' });
  expect(dashboard.templating.list).toEqual([expect.objectContaining({ type: 'datasource', name: 'datasource' })]);
  const ids = dashboard.panels.map((p) => p.id);
  expect(new Set(ids).size).toBe(ids.length);
  for (const p of dashboard.panels.filter((x) => x.type !== 'row')) expect({ title: p.title, queries: (p.targets ?? []).length > 0 }).toEqual({ title: p.title, queries: true });
  expect(queries.length).toBeGreaterThan(20);
});

test('every zcc_sync_* metric the rules and the dashboard name exists in the registry', async () => {
  const exposed = await exposedNames();
  const used = [...named(alerts.map((r) => `${r.expr}\n${Object.values(r.annotations ?? {}).join('\n')}`).join('\n')), ...named(queries.map((q) => q.expr).join('\n'))];
  expect(used.length).toBeGreaterThan(15);
  expect([...new Set(used)].filter((n) => !exposed.has(n))).toEqual([]);
});

(hasPromtool ? test : test.skip)('promtool: the rules check, every alert passes its unit tests, and every dashboard query is valid PromQL', () => {
  const check = spawnSync('promtool', ['check', 'rules', RULES], { encoding: 'utf8' });
  expect({ status: check.status, out: check.stdout + check.stderr }).toMatchObject({ status: 0 });
  expect(check.stdout).toContain(`SUCCESS: ${alerts.length} rules found`);
  // Each alert fires when its condition has held long enough, not before, with these texts.
  const unit = spawnSync('promtool', ['test', 'rules', path.basename(RULE_TESTS)], { cwd: path.dirname(RULE_TESTS), encoding: 'utf8' });
  expect({ status: unit.status, out: unit.stdout + unit.stderr }).toMatchObject({ status: 0 });
  const tested = new Set([...fs.readFileSync(RULE_TESTS, 'utf8').matchAll(/alertname: (\w+)/g)].map((m) => m[1]));
  expect(alerts.map((r) => r.alert).filter((a) => !tested.has(a!))).toEqual([]);

  // Grafana's $__rate_interval becomes a fixed range; each query is a recording rule to check.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zcc-deploy-'));
  try {
    const file = path.join(dir, 'dashboard-queries.yml');
    const records = queries.map((q) => ({ record: `dashboard:panel_${q.panel.id}_${q.refId.toLowerCase()}`, expr: q.expr.replace(/\$__rate_interval/g, '5m') }));
    fs.writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules: records }] }));
    const dash = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
    expect({ status: dash.status, out: dash.stdout + dash.stderr }).toMatchObject({ status: 0 });
    expect(dash.stdout).toContain(`SUCCESS: ${records.length} rules found`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
