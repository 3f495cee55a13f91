/**
 * Values the command definitions show in `--help` (option descriptions and defaults). Their
 * sources of truth live in modules that are slow to load (zod for the config schema, the
 * emulator's SQLite core, the whole dev stack), and loading them would cost every command,
 * `--version` included, up to a second. test/cli.test.ts checks each copy against its source.
 */

/** src/config/schema.ts PACKAGES. */
export const PACKAGES = ['essentials', 'premium', 'elite'] as const;

/** devstack/stack.ts DEFAULT_DEV_PORTS. */
export const DEFAULT_DEV_PORTS = { temporal: 7233, temporalUi: 8233, ldap: 3890, smtp: 2525, emulator: 9180 } as const;

/** emulator/core.ts DEFAULT_CREDENTIALS. */
export const EMULATOR_CREDENTIALS = { accountId: 'emulator-account', clientId: 'emulator-client', clientSecret: 'emulator-secret' } as const;
