// The schema of `users:` (first-boot identity): accounts and SSH keys a booted guest gets through systemd
// credentials. Descriptions are the reference documentation, as everywhere in src/schema.
import * as z from 'zod/mini';
import { passwordHashProblem, sshKeyProblem, userNamePattern } from './identity-rules.js';
import { explainedRule, field, pattern } from './values.js';

const userName = pattern(
  userNamePattern,
  'must be a user name systemd-sysusers accepts: a letter or "_", then letters, digits, "_" or "-", at most 31 characters',
);

const sshKey = explainedRule(
  'sshKey',
  sshKeyProblem,
  () =>
    'Paste the line of the key\'s .pub file, e.g. "ssh-ed25519 AAAAC3Nza… alice@laptop", one key per item; key options such as command= are not accepted.',
);

const passwordHash = explainedRule(
  'passwordHash',
  passwordHashProblem,
  () =>
    "Write a crypt(3) hash, never the password: e.g. the output of `mkpasswd -m yescrypt` or `openssl passwd -6`, in single quotes ('$y$j9T$…'), in a file only its owner can read (chmod 600 FILE).",
);

const user = z.strictObject({
  ssh_authorized_keys: field(
    z.array(sshKey),
    'Public keys that may log in as this user, one per item, as in a .pub file: "TYPE BASE64 [COMMENT]" (types ssh-ed25519, ecdsa-sha2-nistp256/384/521, sk-ssh-ed25519@openssh.com, sk-ecdsa-sha2-nistp256@openssh.com, ssh-rsa). Key options (command="…") are refused. They are installed on first boot only: a guest whose authorized_keys file exists keeps it.',
  ),
  groups: field(z.array(userName), 'Supplementary groups (created when the image lacks them). Not for root.'),
  shell: field(
    pattern(
      /^\/[A-Za-z0-9_.+-]+(?:\/[A-Za-z0-9_.+-]+)*$/,
      'must be an absolute path of letters, digits and "_.+-", e.g. /bin/bash',
    ),
    'Login shell (default /bin/sh). Not for root: the image decides.',
  ),
  password_hash: field(
    passwordHash,
    "The account's password as a crypt(3) hash (yescrypt $y$, SHA-512 $6$, SHA-256 $5$, bcrypt $2b$, scrypt $7$), e.g. from `mkpasswd -m yescrypt` or `openssl passwd -6`; a plain password is refused. Allowed only in a YAML file that only its owner can read (chmod 600): it goes to a 0600 file in the credential store (/etc/credstore, or /run/credstore for the generator), never into a unit file or a command line. Set at every boot, so the YAML wins over `passwd` in the guest; without it the guest's password is left as it is. Needs chpasswd in the image.",
  ),
  uid: field(
    z.int().check(z.gte(1000), z.lte(60000)),
    'User ID, 1000 to 60000; default: 1000, 1001, … in the order of the user names, skipping the UIDs given explicitly.',
  ),
});

export const usersSchema = z.record(userName, user);
export type UsersInput = z.infer<typeof usersSchema>;
export type UserInput = UsersInput[string];
