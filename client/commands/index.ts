/** The CLI's command groups, in the order `--help` lists them. Add one line per group. */
import type { Command } from 'commander';
import { register as worker } from './worker';
import { register as config } from './config';
import { register as dev } from './dev';
import { register as emulator } from './emulator';
import { register as users } from './users';
import { register as reconcile } from './reconcile';
import { register as runs } from './runs';
import { register as schedule } from './schedule';
import { register as demo } from './demo';
import { register as directory } from './directory';
import { register as status } from './status';
import { register as audit } from './audit';
import { register as consoleCommand } from './console';

export type RegisterCommands = (program: Command) => void;

export const commandGroups: RegisterCommands[] = [
  reconcile,
  runs,
  schedule,
  status,
  audit,
  worker,
  consoleCommand,
  config,
  directory,
  dev,
  demo,
  emulator,
  users,
];
