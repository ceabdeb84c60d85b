// users: → the systemd credentials a booted guest (systemd 252 or later) applies on its first boot, measured in
// reference/identity-credentials-252.md: root's keys as ssh.authorized_keys.root (the guest's tmpfiles copies it
// to /root/.ssh/authorized_keys when that file is missing); other users through sysusers.extra (the account and
// its groups) and tmpfiles.extra (home, ~/.ssh and authorized_keys, inline: a per-user key credential is not
// loaded by 252); password hashes as machinist.passwords, which the guest's machinist-passwords.service hands to
// chpasswd -e. credentials.ts decides how the service gets them; nspawn passes them on by name.
import type { Diagnostic } from '../diagnostics/types.js';
import { EncodeError, tmpfilesFileArgument } from '../ini/escape.js';
import type { ContainerModel } from '../resolve/model.js';
import { originOf } from '../resolve/merge.js';
import { diagAt } from '../resolve/model.js';
import type { UserInput } from '../schema/identity.js';
import { PASSWORDS_CREDENTIAL } from './credentials.js';

export interface Credential {
  id: string;
  value: string;
}

const FIRST_UID = 1000;
const DEFAULT_SHELL = '/bin/sh';

/** UIDs of the users other than root: the ones given, and 1000, 1001, … (skipping those) in name order. */
export function userIds(names: readonly string[], users: Record<string, UserInput>): Map<string, number> {
  const taken = new Set(names.map((n) => users[n]!.uid).filter((u): u is number => u !== undefined));
  const ids = new Map<string, number>();
  let next = FIRST_UID;
  for (const n of names) {
    const given = users[n]!.uid;
    if (given !== undefined) {
      ids.set(n, given);
      continue;
    }
    while (taken.has(next)) next++;
    ids.set(n, next);
    taken.add(next);
  }
  return ids;
}

/** Settings that do not apply to root, and users: on a container that does not boot. */
function checkUsers(c: ContainerModel, names: readonly string[], out: Diagnostic[]): void {
  const users = c.settings.users!;
  if (c.settings.boot === false && names.length) {
    const why = "users: are created by the guest's systemd, but boot: false runs no init";
    const hint = 'Remove users:, or boot the image (boot: true).';
    out.push(diagAt(c, 'conflicting-keys', why, ['users'], { hint }, 'key'));
  }
  const root = users['root'];
  for (const key of ['groups', 'shell', 'uid'] as const) {
    if (root?.[key] !== undefined) {
      const why =
        `users.root.${key} cannot be set: the image already has root,` +
        ' and systemd-sysusers changes no existing account';
      const hint = 'Keep only ssh_authorized_keys and password_hash for root.';
      out.push(diagAt(c, 'invalid-value', why, ['users', 'root', key], { hint }, 'key'));
    }
  }
  for (const n of Object.keys(users)) {
    if (users[n]!.password_hash === undefined) continue;
    const from = originOf(c.origins, ['users', n, 'password_hash'])?.file.source;
    if (from && !from.ownerOnly) {
      const why =
        `users.${n}.password_hash is in ${from.file}, which its group or others can read;` +
        ' a password hash may only be in a file that only its owner can read';
      const hint = `chmod 600 ${from.file}, or move password_hash into a profile that is 0600.`;
      out.push(diagAt(c, 'invalid-value', why, ['users', n, 'password_hash'], { hint }, 'key'));
    }
  }
  const byUid = new Map<number, string>();
  for (const n of names) {
    const uid = users[n]!.uid;
    if (uid === undefined) continue;
    const other = byUid.get(uid);
    if (other !== undefined) {
      const hint = 'Give each user its own uid, or leave uid out.';
      const why = `users.${n}.uid ${uid} is also the uid of ${other}`;
      out.push(diagAt(c, 'invalid-value', why, ['users', n, 'uid'], { hint }));
    }
    byUid.set(uid, n);
  }
}

/** The credentials of a container's users:, in a fixed order; problems go to `out` at their YAML line. */
export function identityCredentials(c: ContainerModel, out: Diagnostic[]): Credential[] {
  const users = c.settings.users;
  if (!users) return [];
  const names = Object.keys(users)
    .filter((n) => n !== 'root')
    .sort();
  checkUsers(c, names, out);
  const creds: Credential[] = [];
  const rootKeys = users['root']?.ssh_authorized_keys ?? [];
  if (rootKeys.length) creds.push({ id: 'ssh.authorized_keys.root', value: rootKeys.map((k) => `${k}\n`).join('') });
  // chpasswd -e input, root first: the guest's machinist-passwords.service sets these at every boot.
  const hashed = ['root', ...names].filter((n) => users[n]?.password_hash !== undefined);
  const hashes = hashed.map((n) => `${n}:${users[n]!.password_hash!}\n`).join('');
  if (hashes) creds.push({ id: PASSWORDS_CREDENTIAL, value: hashes });
  if (!names.length) return creds;
  const ids = userIds(names, users);
  const sysusers: string[] = [];
  const tmpfiles: string[] = [];
  for (const n of names) {
    const u = users[n]!;
    const home = `/home/${n}`;
    sysusers.push(`u ${n} ${ids.get(n)!} - ${home} ${u.shell ?? DEFAULT_SHELL}`);
    for (const g of u.groups ?? []) sysusers.push(`m ${n} ${g}`);
    tmpfiles.push(`d ${home} 0700 ${n} ${n} -`);
    const keys = u.ssh_authorized_keys ?? [];
    if (!keys.length) continue;
    try {
      const content = tmpfilesFileArgument(keys);
      tmpfiles.push(`d ${home}/.ssh 0700 ${n} ${n} -`, `f ${home}/.ssh/authorized_keys 0600 ${n} ${n} - ${content}`);
    } catch (e) {
      if (!(e instanceof EncodeError)) throw e;
      const hint = 'Give this user fewer or shorter keys (ed25519 keys are about 100 bytes each).';
      const at = ['users', n, 'ssh_authorized_keys'];
      out.push(diagAt(c, 'unencodable-value', `users.${n}.ssh_authorized_keys ${e.message}`, at, { hint }, 'key'));
    }
  }
  creds.push({ id: 'sysusers.extra', value: sysusers.map((l) => `${l}\n`).join('') });
  creds.push({ id: 'tmpfiles.extra', value: tmpfiles.map((l) => `${l}\n`).join('') });
  return creds;
}
