/**
 * cn=config of a throwaway OpenLDAP 2.5 instance (Debian 12 slapd), loaded with `slapadd -n0`.
 * Why each line is there: ../shared/research/slapd/RECIPE.md §2 and §7 (pitfalls).
 */
import { ADMIN_DN, READER_DN, SUFFIX } from './ldif';

export interface SlapdConfigParams {
  /** Absolute instance directory (pid file, args file, data/). */
  dir: string;
  /** {SSHA} hash of the rootdn password. */
  rootPasswordHash: string;
  /** The OS user allowed to manage cn=config over ldapi (SASL EXTERNAL). */
  uid: number;
  gid: number;
}

export function renderSlapdConfig(p: SlapdConfigParams): string {
  return `dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: ${p.dir}/slapd.pid
olcArgsFile: ${p.dir}/slapd.args
olcLogLevel: none
olcToolThreads: 2

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: /usr/lib/ldap
olcModuleLoad: {0}back_mdb
olcModuleLoad: {1}memberof
olcModuleLoad: {2}syncprov
olcModuleLoad: {3}ppolicy

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif
include: file:///etc/ldap/schema/cosine.ldif
include: file:///etc/ldap/schema/inetorgperson.ldif

dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend
olcAccess: {0}to dn.base="" by * read
olcAccess: {1}to dn.base="cn=Subschema" by * read
# The default 500 also caps paged searches; only identities with olcLimits below page past it.
olcSizeLimit: 500

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcAccess: {0}to * by dn.exact=gidNumber=${p.gid}+uidNumber=${p.uid},cn=peercred,cn=external,cn=auth manage by * break

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcDbDirectory: ${p.dir}/data
olcSuffix: ${SUFFIX}
olcRootDN: ${ADMIN_DN}
olcRootPW: ${p.rootPasswordHash}
# LMDB's default map is 10 MiB (100k users fail at ~4k entries); the file is sparse.
olcDbMaxSize: 4294967296
# Throwaway data: no fsync per write.
olcDbNoSync: TRUE
olcDbIndex: objectClass eq
olcDbIndex: uid eq
olcDbIndex: mail eq
olcDbIndex: cn eq,sub
olcDbIndex: member eq
olcDbIndex: memberOf eq
olcDbIndex: entryUUID eq
olcDbIndex: entryCSN eq
olcDbIndex: modifyTimestamp eq
olcLimits: {0}dn.exact="${READER_DN}" size.soft=unlimited size.hard=unlimited size.prtotal=unlimited time.soft=unlimited time.hard=unlimited
olcAccess: {0}to attrs=userPassword by self =xw by anonymous auth by * none
olcAccess: {1}to * by dn.exact="${READER_DN}" read by users read by * none

dn: olcOverlay={0}memberof,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcMemberOfConfig
olcOverlay: {0}memberof
olcMemberOfGroupOC: groupOfNames
olcMemberOfMemberAD: member
olcMemberOfMemberOfAD: memberOf
olcMemberOfRefInt: TRUE
olcMemberOfDangling: ignore

dn: olcOverlay={1}syncprov,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcSyncProvConfig
olcOverlay: {1}syncprov
olcSpCheckpoint: 100 10
olcSpSessionlog: 10000

# Password policy: an account locked by the admin (pwdAccountLockedTime) is disabled, and zcc-sync
# plans it as a leaver (directory.type openldap).
dn: olcOverlay={2}ppolicy,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcPPolicyConfig
olcOverlay: {2}ppolicy
`;
}
