// How a container's credentials reach nspawn. From a YAML file others can read, a credential is written inline
// (SetCredential=), which any user of the host can read back (systemctl cat, the unit's D-Bus properties). From a
// file others cannot read (a password hash must come from one), every credential of the container goes to a file
// of its own in systemd's credential store, mode 0600 in a 0700 directory, and the drop-in names it
// (LoadCredential=ID:FILE): the service's credentials directory is readable by root only, and nspawn's command line
// carries only names (--load-credential=ID:ID). Measured on 252: reference/identity-credentials-252.md §3, §4.
import type { ContainerModel } from '../resolve/model.js';
import type { Credential } from './identity.js';
import type { GeneratedFile } from './output.js';
import { PRIVATE_MODE, header } from './output.js';

/** The credential that carries `user:hash` lines for the guest's machinist-passwords.service. */
export const PASSWORDS_CREDENTIAL = 'machinist.passwords';

/**
 * Where the guest unit that applies password hashes is installed on the host (`make install`), with the drop-in
 * that pulls it into sysinit.target. Both are bound into the guest's /run/systemd/system, which its PID 1 reads:
 * nspawn mounts them before it starts init (measured on 252), and nothing is left in the guest's /etc. A plain
 * file bound into sysinit.target.wants does not work: 252 logs "Wants dependency dropin … is not a symlink,
 * ignoring".
 */
export const GUEST_PASSWORDS_UNIT = '/usr/lib/machinist/guest/machinist-passwords.service';
export const GUEST_PASSWORDS_DROPIN = '/usr/lib/machinist/guest/machinist-passwords.conf';
const GUEST_UNIT_DIR = '/run/systemd/system';

/** BindReadOnly= values that install the guest's machinist-passwords.service for this boot. */
export const guestPasswordsBinds = (): string[] => [
  `${GUEST_PASSWORDS_UNIT}:${GUEST_UNIT_DIR}/machinist-passwords.service`,
  `${GUEST_PASSWORDS_DROPIN}:${GUEST_UNIT_DIR}/sysinit.target.d/50-machinist-passwords.conf`,
];

/** Whether any user of the container has a password_hash (the guest then needs machinist-passwords.service). */
export const hasPasswordHashes = (c: ContainerModel): boolean =>
  Object.values(c.settings.users ?? {}).some((u) => u.password_hash !== undefined);

/** The credential store's file name of a container's credential: machinist-NAME@ID (no machine name has "@"). */
export const credentialFileName = (container: string, id: string): string => `machinist-${container}@${id}`;

const FILE_NAME = /^machinist-([^@/]+)@([^@/]+)$/;

/** Whether a name in the credential store is one machinist writes. */
export const isCredentialFile = (name: string): boolean => FILE_NAME.test(name);

/** The container a credential store file belongs to, or undefined for a name machinist does not write. */
export const credentialOwner = (name: string): string | undefined => FILE_NAME.exec(name)?.[1];

/** True when something of the container comes from a file others cannot read (its own, or a profile's). */
export const fromPrivateFile = (c: ContainerModel): boolean =>
  c.file.source.private === true || c.layers.some((l) => l.source.private === true);

/**
 * The credential store files of a container whose credentials must stay private: each holds the first line of the
 * header and its checksum (comment lines, which sysusers, tmpfiles, authorized_keys and the guest's password unit
 * all skip; the guest copies root's keys file as it is, so nothing there says "do not edit") and the value's lines.
 */
export function credentialFiles(c: ContainerModel, creds: readonly Credential[]): GeneratedFile[] {
  return creds.map((k) => ({
    kind: 'file',
    dir: 'credstore',
    rel: credentialFileName(c.name, k.id),
    doc: { comments: header(c.file.source.file, `credential ${k.id}`).slice(0, 1), sections: [], lines: lines(k) },
    container: c.name,
    mode: PRIVATE_MODE,
  }));
}

/** A credential's value as lines (every value machinist makes ends with a newline and has no empty last line). */
const lines = (k: Credential): string[] => k.value.replace(/\n$/, '').split('\n');

/**
 * Hide the hashes in the text of a passwords credential (diffs, dry runs): `user:$6$…` → `user:(hidden)`, and the
 * header's checksum of the file, which is computed over them.
 */
export function maskSecrets(text: string): string {
  return text
    .replace(/^([^#\n:]+):[^\n]*$/gm, '$1:(hidden)')
    .replace(/^# machinist-hash: .*$/m, '# machinist-hash: (hidden)');
}
