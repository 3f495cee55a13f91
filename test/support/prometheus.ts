/**
 * Reading Prometheus text exposition in tests: scrape an endpoint, parse its samples, sum them
 * by label. Plus a free loopback port for a listener a child process will bind.
 */
import * as net from 'net';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(text); m; m = re.exec(text)) labels[m[1]] = m[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
  return labels;
}

export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    samples.push({ name: m[1], labels: m[2] ? parseLabels(m[2]) : {}, value: Number(m[3]) });
  }
  return samples;
}

export async function scrape(address: string, path = '/metrics'): Promise<Sample[]> {
  const res = await fetch(`http://${address}${path}`);
  if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}`);
  return parseExposition(await res.text());
}

const matches = (s: Sample, name: string, where: Record<string, string>) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v);

/** Sum of a metric's samples matching `where`. */
export function total(samples: Sample[], name: string, where: Record<string, string> = {}): number {
  return samples.filter((s) => matches(s, name, where)).reduce((a, s) => a + s.value, 0);
}

/** A metric summed by one label, non-zero values only: e.g. requests by endpoint. */
export function byLabel(samples: Sample[], name: string, label: string, where: Record<string, string> = {}): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) if (matches(s, name, where)) out[s.labels[label]] = (out[s.labels[label]] ?? 0) + s.value;
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== 0));
}

/** b − a per key, non-zero only. */
export function delta(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return Object.fromEntries([...keys].map((k) => [k, (b[k] ?? 0) - (a[k] ?? 0)] as const).filter(([, v]) => v !== 0));
}

/** A loopback port free right now (for a listener another process binds next). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}
