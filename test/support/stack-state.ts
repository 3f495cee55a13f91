/**
 * State shared by jest's globalSetup and globalTeardown (they run in the same process, the
 * test files do not: tests read the ZCC_TEST_* environment through testStack()).
 */
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const TEST_STATE_ROOT = path.join(REPO_ROOT, '.state', 'test');

export interface StackStop {
  name: string;
  stop(): Promise<void>;
}

interface StackState {
  stops: StackStop[];
  runDir: string;
}

const KEY = '__zccSyncTestStack';
type Holder = { [KEY]?: StackState };

export function setStackStops(stops: StackStop[], runDir: string): void {
  (globalThis as Holder)[KEY] = { stops, runDir };
}

export function takeStackStops(): StackState | undefined {
  const state = (globalThis as Holder)[KEY];
  delete (globalThis as Holder)[KEY];
  return state;
}

/** The ZCC_TEST_AD_* variables globalSetup sets for the run's Samba AD DC (read by testAd() in stack.ts). */
export const AD_VARS = {
  url: 'ZCC_TEST_AD_URL',
  ldapUrl: 'ZCC_TEST_AD_LDAP_URL',
  caFile: 'ZCC_TEST_AD_CA_FILE',
  baseDn: 'ZCC_TEST_AD_BASE_DN',
  realm: 'ZCC_TEST_AD_REALM',
  domain: 'ZCC_TEST_AD_DOMAIN',
  upnSuffix: 'ZCC_TEST_AD_UPN_SUFFIX',
  adminDn: 'ZCC_TEST_AD_ADMIN_DN',
  adminPassword: 'ZCC_TEST_AD_ADMIN_PASSWORD',
  bindDn: 'ZCC_TEST_AD_BIND_DN',
  bindPassword: 'ZCC_TEST_AD_BIND_PASSWORD',
  bigGroupDn: 'ZCC_TEST_AD_BIG_GROUP_DN',
  bigGroupSize: 'ZCC_TEST_AD_BIG_GROUP_SIZE',
} as const;

/**
 * The run's Samba AD DC, as globalSetup exposes it (ZCC_TEST_AD_* variables; worker processes
 * inherit them). The big group is read-only; add your own entries under testOu().
 */
export interface TestAd {
  /** ldaps://127.0.0.1:636 (ZCC_TEST_AD_URL): verify with `tlsOptions: { ca: readFileSync(caFile) }`. */
  url: string;
  /** ldap://127.0.0.1:389 (ZCC_TEST_AD_LDAP_URL): refuses simple binds without TLS (result code 8). */
  ldapUrl: string;
  /** The test CA's PEM file (ZCC_TEST_AD_CA_FILE). */
  caFile: string;
  /** DC=corp,DC=zcc,DC=test (ZCC_TEST_AD_BASE_DN). */
  baseDn: string;
  /** CORP.ZCC.TEST (ZCC_TEST_AD_REALM). */
  realm: string;
  /** NetBIOS domain, CORP (ZCC_TEST_AD_DOMAIN). */
  domain: string;
  /** UPN suffix, corp.zcc.test (ZCC_TEST_AD_UPN_SUFFIX). */
  upnSuffix: string;
  /** CN=Administrator,CN=Users,… (ZCC_TEST_AD_ADMIN_DN / ZCC_TEST_AD_ADMIN_PASSWORD). */
  adminDn: string;
  adminPassword: string;
  /** The read-only service account zcc-sync binds as (ZCC_TEST_AD_BIND_DN / ZCC_TEST_AD_BIND_PASSWORD). */
  bindDn: string;
  bindPassword: string;
  /** A global security group of `size` (1,600) enabled users (ZCC_TEST_AD_BIG_GROUP_DN / _SIZE). */
  bigGroup: { dn: string; size: number };
}

/** The environment for a started DC (the inverse of testAd()). */
export function testAdEnv(ad: TestAd): Record<string, string> {
  return {
    [AD_VARS.url]: ad.url,
    [AD_VARS.ldapUrl]: ad.ldapUrl,
    [AD_VARS.caFile]: ad.caFile,
    [AD_VARS.baseDn]: ad.baseDn,
    [AD_VARS.realm]: ad.realm,
    [AD_VARS.domain]: ad.domain,
    [AD_VARS.upnSuffix]: ad.upnSuffix,
    [AD_VARS.adminDn]: ad.adminDn,
    [AD_VARS.adminPassword]: ad.adminPassword,
    [AD_VARS.bindDn]: ad.bindDn,
    [AD_VARS.bindPassword]: ad.bindPassword,
    [AD_VARS.bigGroupDn]: ad.bigGroup.dn,
    [AD_VARS.bigGroupSize]: String(ad.bigGroup.size),
  };
}

/** Set when the run has no DC: why (read by testAdUnavailable() in stack.ts). */
export const AD_ERROR_VAR = 'ZCC_TEST_AD_ERROR';
