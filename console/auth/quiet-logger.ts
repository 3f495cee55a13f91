/** The directory code logs through a logger; a sign-in has nothing to say there (the console logs the outcome). */
import type { DirectoryLogger } from '../../src/ldap/connect';

const nothing = () => undefined;
export const QUIET: DirectoryLogger = { debug: nothing, info: nothing, warn: nothing };
