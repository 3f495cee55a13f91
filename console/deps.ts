/**
 * What the console's routes are built over: the config, the store (read; and the job requests
 * it files), a Temporal client (every change is a workflow) and a read-only ZCC client (names
 * checked before a job starts, a user's live state). Injected, so tests and the benchmark build
 * the same app over their own parts.
 */
import type { Client } from '@temporalio/client';
import type { Config } from '../src/config/schema';
import type { Store } from '../src/store/db';
import type { ZoomCcClient } from '../src/zoom';
import type { SignInResult } from './auth/sign-in';

export interface ConsoleDeps {
  config: Config;
  db: Store;
  temporal: Client;
  zoom: ZoomCcClient;
  signIn(name: string, password: string): Promise<SignInResult>;
  /** 32 bytes: signs and encrypts the session cookie. */
  sessionKey: Buffer;
}

export type ConsoleUser = Extract<SignInResult, { ok: true }>['user'];
