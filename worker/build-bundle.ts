/**
 * The last step of `npm run build` (after tsc): bundles the compiled workflows into
 * dist/workflow-bundle.js, which `zcc-sync worker` loads instead of running webpack at every start.
 * Run as `node dist/worker/build-bundle.js`.
 */
import * as path from 'path';
import { createLogger } from '../src/log/logger';
import { writeWorkflowBundle } from './workflow-bundle';

async function main(): Promise<void> {
  const dist = path.resolve(__dirname, '..'); // dist/worker → dist
  const started = Date.now();
  const { file, bytes, inputs } = await writeWorkflowBundle(dist, createLogger({ level: 'warn' }));
  process.stdout.write(`workflow bundle: ${path.relative(process.cwd(), file)} (${(bytes / 1024 / 1024).toFixed(1)} MB from ${inputs} compiled files) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`build-bundle: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
