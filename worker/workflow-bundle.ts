/**
 * The worker's workflow code as one webpack bundle. `npm run build` writes it next to the compiled
 * workflows (dist/workflow-bundle.js, by worker/build-bundle.ts), so a worker starts without
 * running webpack (1.2-3 s of CPU here) and without webpack's report in its log.
 *
 * A bundle is only as current as the code it was made from, and dist/ can be recompiled with tsc
 * alone (the tests' ensureBuilt does that). So the bundle is written with the list of compiled
 * files it was made from and their hashes (dist/workflow-bundle.inputs.json); a worker uses it
 * only when they all still match, and bundles from the code otherwise.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { bundleWorkflowCode, DefaultLogger, type LogEntry } from '@temporalio/worker';
import type { Compiler } from 'webpack';
import type { Logger } from '../src/log/logger';

export const BUNDLE_FILE = 'workflow-bundle.js';
export const INPUTS_FILE = 'workflow-bundle.inputs.json';

interface BundleInputs {
  /** @temporalio/workflow's version: the bundle carries a copy of it. */
  sdkVersion: string;
  /** Compiled file (relative to the bundle's folder) → sha256 of its content. */
  files: Record<string, string>;
}

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const sdkVersion = () => (require('@temporalio/workflow/package.json') as { version: string }).version;

/**
 * Webpack's report (hundreds of lines) and "bundle created" are info-level in the SDK; here they
 * are debug, so a worker that has to bundle logs one line about it, not the report. Problems stay
 * warnings and errors.
 */
function bundlerLogger(log: Logger): DefaultLogger {
  return new DefaultLogger('TRACE', (entry: LogEntry) => {
    const level = entry.level === 'ERROR' ? 'error' : entry.level === 'WARN' ? 'warn' : 'debug';
    log[level]({ component: 'workflow-bundler', ...(entry.meta ?? {}) }, entry.message);
  });
}

/** Bundles the workflows whose index is `workflowsPath`; `files` receives every file webpack read. */
async function bundle(workflowsPath: string, log: Logger, files?: Set<string>): Promise<string> {
  const recordInputs = {
    apply(compiler: Compiler) {
      compiler.hooks.afterCompile.tap('zcc-sync-bundle-inputs', (compilation) => {
        for (const f of compilation.fileDependencies) files?.add(f);
      });
    },
  };
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    logger: bundlerLogger(log),
    webpackConfigHook: (config) => (files ? { ...config, plugins: [...(config.plugins ?? []), recordInputs] } : config),
  });
  return code;
}

/** The workflows bundled in memory, from the code next to the worker (the fallback at start). */
export function bundleFromSource(workflowsPath: string, log: Logger): Promise<string> {
  return bundle(workflowsPath, log);
}

/**
 * Writes `<dir>/workflow-bundle.js` from `<dir>/workflows` and the list of its inputs. Only files
 * under `dir` outside node_modules are listed: the SDK's own code is covered by its version.
 */
export async function writeWorkflowBundle(dir: string, log: Logger): Promise<{ file: string; bytes: number; inputs: number }> {
  const read = new Set<string>();
  const code = await bundle(require.resolve(path.join(dir, 'workflows')), log, read);
  const files: Record<string, string> = {};
  for (const f of [...read].sort()) {
    const rel = path.relative(dir, f);
    if (rel.startsWith('..') || path.isAbsolute(rel) || rel.split(path.sep).includes('node_modules') || !rel.endsWith('.js')) continue;
    files[rel] = sha256(f);
  }
  const file = path.join(dir, BUNDLE_FILE);
  // Inputs last and both via rename: a worker starting meanwhile sees the old pair or the new one.
  fs.writeFileSync(`${file}.tmp`, code);
  fs.renameSync(`${file}.tmp`, file);
  const inputs: BundleInputs = { sdkVersion: sdkVersion(), files };
  fs.writeFileSync(path.join(dir, `${INPUTS_FILE}.tmp`), `${JSON.stringify(inputs, null, 2)}\n`);
  fs.renameSync(path.join(dir, `${INPUTS_FILE}.tmp`), path.join(dir, INPUTS_FILE));
  return { file, bytes: code.length, inputs: Object.keys(files).length };
}

export type PrebuiltBundle = { codePath: string } | { stale: string } | null;

/**
 * The prebuilt bundle in `dir` when it matches the compiled code there; `{ stale: why }` when it
 * does not; null when there is none (running from the TypeScript sources, or not built).
 */
export function findPrebuiltBundle(dir: string): PrebuiltBundle {
  const codePath = path.join(dir, BUNDLE_FILE);
  if (!fs.existsSync(codePath)) return null;
  let inputs: BundleInputs;
  try {
    inputs = JSON.parse(fs.readFileSync(path.join(dir, INPUTS_FILE), 'utf8')) as BundleInputs;
  } catch {
    return { stale: `${INPUTS_FILE} is missing or unreadable` };
  }
  if (inputs.sdkVersion !== sdkVersion()) return { stale: `made with @temporalio/workflow ${inputs.sdkVersion}, installed is ${sdkVersion()}` };
  const entries = Object.entries(inputs.files ?? {});
  if (!entries.some(([f]) => f.startsWith(`workflows${path.sep}`))) return { stale: `${INPUTS_FILE} lists no workflow files` };
  for (const [rel, hash] of entries) {
    const file = path.join(dir, rel);
    if (!fs.existsSync(file)) return { stale: `${rel} is gone` };
    if (sha256(file) !== hash) return { stale: `${rel} changed since the bundle was made` };
  }
  return { codePath };
}
