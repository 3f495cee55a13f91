/** The CLI's command groups, in the order `--help` lists them. Add one line per group. */
import type { Command } from 'commander';

export type RegisterCommands = (program: Command) => void;

export const commandGroups: RegisterCommands[] = [
];
