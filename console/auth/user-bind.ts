/**
 * The password check: a simple bind as the user's own DN with the password they typed, on a
 * connection of its own (the service account's connection and password are never used for it),
 * with the product's TLS settings (src/ldap/connect.ts). The connection is closed at once.
 */
import { connectDirectory, DirectoryCredentialsError, type DirectoryConfig } from '../../src/ldap/connect';
import { QUIET } from './quiet-logger';

/** true: the password is right; false: the server refused it (code 49). Anything else throws a DirectoryError. */
export async function passwordIsRight(dir: DirectoryConfig, userDn: string, password: string): Promise<boolean> {
  let client;
  try {
    client = await connectDirectory({ ...dir, bindDN: userDn, bindPassword: password }, QUIET);
  } catch (err) {
    if (err instanceof DirectoryCredentialsError) return false;
    throw err;
  }
  await client.unbind().catch(() => undefined);
  return true;
}
