/**
 * What `zcc-sync config check` does (its options: client/commands/config.ts): validates the
 * config (exit 2 when invalid), then tests each connection it names, one line per check (exit 1
 * when one fails, 0 when all pass).
 */
import type { Config } from '../../src/config/schema';
import { collectSecretValues } from '../../src/config/secrets';
import { redactSecrets } from '../../src/log/redact';
import { connectTemporal, resolveTemporalAddress } from '../../src/temporal/connection';
import { connectDirectory } from '../../src/ldap/connect';
import { checkDeltaReadiness, readinessText } from '../../src/ldap/delta-readiness';
import { createMailer } from '../../src/mail/mailer';
import { createZoomClient } from '../../src/zoom/client';
import { EXIT_FAILED, EXIT_OK, loadConfigOrExit, printJson, printLine, setExitCode, type ConfigOptions, type JsonOptions } from '../common';

/** A check that hangs (a firewall dropping packets) fails after this long instead of blocking the command. */
const CHECK_TIMEOUT_MS = 20_000;

export type CheckStatus = 'ok' | 'fail' | 'skip';
export interface CheckResult {
  check: string;
  status: CheckStatus;
  detail: string;
}

/** A check returns its detail line, or throws; `Skip` marks a check that does not apply. */
class Skip extends Error {}

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

const CHECKS: Array<{ name: string; run: (config: Config) => Promise<string> }> = [
  { name: 'Temporal', run: checkTemporal },
  { name: 'LDAP', run: checkLdap },
  { name: 'SMTP', run: checkSmtp },
  { name: 'ZCC', run: checkZcc },
];

async function checkTemporal(config: Config): Promise<string> {
  const address = resolveTemporalAddress(config);
  const connection = await connectTemporal(config, 'client', { connectTimeoutMs: 5_000 }).catch((err: Error) => {
    throw new Error(`cannot reach Temporal at ${address}: ${err.message} (fix: start it, or correct temporal.address / temporal.tls / temporal.apiKey)`);
  });
  try {
    const info = await connection.workflowService.getSystemInfo({});
    await connection.workflowService.describeNamespace({ namespace: config.temporal.namespace }).catch((err: Error) => {
      throw new Error(`connected, but namespace "${config.temporal.namespace}" is not usable: ${err.message} (fix: create it, or set temporal.namespace)`);
    });
    const version = info.serverVersion ? `, server ${info.serverVersion}` : '';
    return `${connection.options.address}, namespace ${config.temporal.namespace}, task queue ${config.temporal.taskQueue}${version}`;
  } finally {
    await connection.close();
  }
}

async function checkLdap(config: Config): Promise<string> {
  const dir = config.directory;
  const type = `directory type ${dir.type}`;
  // AD refuses a password bind on a plain connection, and it would send the password in clear.
  const plainToAd = dir.type === 'activeDirectory' && dir.url.startsWith('ldap://') && !dir.startTls && dir.bindDN !== '';
  const warning = plainToAd ? '; warning: a plain ldap:// URL to Active Directory without StartTLS (AD refuses the bind, and the password would travel in clear): use ldaps:// or directory.startTls: true' : '';
  let client;
  try {
    client = await connectDirectory(dir, quiet);
  } catch (err) {
    throw new Error(`${(err as Error).message} (${type}${warning})`);
  }
  let delta: string;
  try {
    delta = readinessText(await checkDeltaReadiness(client, dir));
  } finally {
    await client.unbind().catch(() => undefined);
  }
  const how = dir.startTls ? ' with StartTLS' : '';
  const bound = dir.bindDN ? `bound as ${dir.bindDN} to ${dir.url}${how}` : `connected anonymously to ${dir.url}${how}`;
  return `${bound} (${type}${warning}); ${delta}`;
}

async function checkSmtp(config: Config): Promise<string> {
  if (!config.email.enabled) throw new Skip('email.enabled is false');
  const mailer = createMailer(config.email, quiet, { maxConnections: 1, connectionTimeoutMs: 10_000, greetingTimeoutMs: 10_000 });
  try {
    await mailer.verify();
  } finally {
    mailer.close();
  }
  const auth = config.email.user ? `, authenticated as ${config.email.user}` : '';
  return `${config.email.host}:${config.email.port}${config.email.secure ? ' (TLS)' : ''}${auth}`;
}

async function checkZcc(config: Config): Promise<string> {
  const cc = config.contactCenter;
  const missing = (['accountId', 'clientId', 'clientSecret'] as const).filter((k) => !cc[k]);
  if (missing.length > 0) {
    throw new Error(`contactCenter.${missing.join(', contactCenter.')} not set (fix: set them from the Zoom Server-to-Server OAuth app, secrets as \${ENV} references)`);
  }
  const token = await createZoomClient(cc, quiet).checkToken();
  const scopes = token.scopes.length ? `, scopes: ${token.scopes.join(' ')}` : '';
  return `token from ${cc.tokenUrl} valid for ${token.expiresInSeconds}s${scopes}`;
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000}s`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every connection check; never throws. Messages are scrubbed of the config's secrets. */
export async function runChecks(config: Config, timeoutMs = CHECK_TIMEOUT_MS): Promise<CheckResult[]> {
  const secrets = collectSecretValues(config);
  // One at a time: the lines come out in a stable order, and the checks are few.
  const results: CheckResult[] = [];
  for (const { name, run } of CHECKS) {
    try {
      results.push({ check: name, status: 'ok', detail: redactSecrets(await withTimeout(run(config), timeoutMs), secrets) });
    } catch (err) {
      const status: CheckStatus = err instanceof Skip ? 'skip' : 'fail';
      results.push({ check: name, status, detail: redactSecrets((err as Error).message ?? String(err), secrets) });
    }
  }
  return results;
}

const LABEL: Record<CheckStatus, string> = { ok: 'ok  ', fail: 'FAIL', skip: 'skip' };

export async function check(opts: ConfigOptions & JsonOptions): Promise<void> {
  const { config, source } = loadConfigOrExit(opts);
  if (!opts.json) printLine(`${LABEL.ok}  config    valid (${source.description})`);
  const results = await runChecks(config);
  const ok = results.every((r) => r.status !== 'fail');
  if (opts.json) printJson({ config: source.description, valid: true, ok, checks: results });
  else for (const r of results) printLine(`${LABEL[r.status]}  ${r.check.padEnd(8)}  ${r.detail}`);
  setExitCode(ok ? EXIT_OK : EXIT_FAILED);
}
