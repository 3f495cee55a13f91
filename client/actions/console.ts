/** What `zcc-sync console` does (its options: client/commands/console.ts): serve until a signal. */
import { startConsole } from '../../console/main';
import { EXIT_BAD_INPUT, fail, loadConfigOrExit, printError, printLine, setExitCode, EXIT_FAILED, type ConfigOptions } from '../common';

export interface ConsoleOptions extends ConfigOptions {
  listen?: string;
  trustProxy?: boolean;
}

export async function serveConsole(opts: ConsoleOptions): Promise<void> {
  const { config } = loadConfigOrExit(opts);
  if (opts.listen !== undefined && !/^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}$/.test(opts.listen)) {
    fail(`--listen: got "${opts.listen}" — expected host:port such as 127.0.0.1:8080`, EXIT_BAD_INPUT);
  }
  let running;
  try {
    running = await startConsole(config, { listen: opts.listen, trustProxy: opts.trustProxy });
  } catch (err) {
    printError(err, config);
    setExitCode(EXIT_FAILED);
    return;
  }
  printLine(`zcc-sync console listening on ${running.url} (sign in with your directory name and password; Ctrl-C stops it)`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await running.close();
}
