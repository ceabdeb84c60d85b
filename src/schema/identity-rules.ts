// The value rules of `users:` without zod (see rules.ts for why rules live apart from the schemas): an SSH public
// key line as sshd reads it from authorized_keys, a user or group name as systemd-sysusers accepts it, a crypt(3)
// password hash.

/** Key types sshd accepts in authorized_keys (OpenSSH 9), each with the type its base64 body must embed. */
export const sshKeyTypes = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
  'ssh-rsa',
] as const;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// Tab, newline and other C0 controls and DEL: no authorized_keys line or credential can hold them unchanged.
const CONTROL = /[\x00-\x1f\x7f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The key type a key blob starts with (an SSH string: 4-byte big-endian length, then the name). */
function embeddedType(body: string): string | undefined {
  const blob = Buffer.from(body, 'base64');
  if (blob.length < 4) return undefined;
  const n = blob.readUInt32BE(0);
  if (n === 0 || n > 64 || blob.length < 4 + n) return undefined;
  return blob.subarray(4, 4 + n).toString('latin1');
}

/**
 * Why a line is not one public key "TYPE BASE64 [COMMENT]" sshd would accept as written, or undefined when it is.
 * An options prefix (command="…", from="…") is refused: it changes what a login may do, and would be smuggled
 * in as a key.
 */
export function sshKeyProblem(line: string): string | undefined {
  if (CONTROL.test(line)) return 'contains a line break or control character; write one key per list item';
  if (LONE_SURROGATE.test(line)) return 'is not valid Unicode (it contains a lone surrogate)';
  if (line !== line.trim()) return 'starts or ends with whitespace';
  const [type, body, ...rest] = line.split(' ');
  if (!(sshKeyTypes as readonly string[]).includes(type!)) {
    if ((/^[a-z-]+(?:=|,|$)/.test(type!) && line.includes(' ssh-')) || /="/.test(type!)) {
      return `starts with options (${type!.slice(0, 40)}): key options are not accepted`;
    }
    return `has key type "${type!.slice(0, 40)}"; accepted: ${sshKeyTypes.join(', ')}`;
  }
  if (body === undefined || body === '') return `has no key after "${type}"`;
  if (!BASE64.test(body)) return 'has a key body that is not base64';
  const inner = embeddedType(body);
  const found = inner === undefined ? 'not an SSH key' : `a "${inner}" key`;
  if (inner !== type) return `says "${type}" but its key body is ${found}`;
  if (rest.some((w) => w === '')) return 'has two spaces in a row; write one space between type, key and comment';
  return undefined;
}

/**
 * A user or group name as systemd-sysusers accepts it (valid_user_group_name() in strict mode): a letter or "_",
 * then letters, digits, "_" and "-", at most 31 characters (the utmp limit).
 */
export const userNamePattern = /^[A-Za-z_][A-Za-z0-9_-]{0,30}$/;

const B64 = '[./A-Za-z0-9]';
/** crypt(3) hash methods by their $ID$, each with the shape of a complete hash (what libxcrypt writes). */
const hashShapes = new Map<string, { name: string; shape: RegExp }>(
  Object.entries({
    y: { name: 'yescrypt', shape: new RegExp(`^\\$y\\$${B64}+\\$${B64}{1,86}\\$${B64}{43}$`) },
    gy: { name: 'gost-yescrypt', shape: new RegExp(`^\\$gy\\$${B64}+\\$${B64}{1,86}\\$${B64}{43}$`) },
    '7': { name: 'scrypt', shape: new RegExp(`^\\$7\\$${B64}{11,}\\$${B64}{43}$`) },
    '6': { name: 'SHA-512', shape: new RegExp(`^\\$6\\$(?:rounds=\\d{1,9}\\$)?${B64}{1,16}\\$${B64}{86}$`) },
    '5': { name: 'SHA-256', shape: new RegExp(`^\\$5\\$(?:rounds=\\d{1,9}\\$)?${B64}{1,16}\\$${B64}{43}$`) },
    '2b': { name: 'bcrypt', shape: new RegExp(`^\\$2b\\$\\d\\d\\$${B64}{53}$`) },
    '2y': { name: 'bcrypt', shape: new RegExp(`^\\$2y\\$\\d\\d\\$${B64}{53}$`) },
  }),
);

/**
 * Why a value is not a crypt(3) password hash machinist accepts (yescrypt $y$, gost-yescrypt $gy$, scrypt $7$,
 * SHA-512 $6$, SHA-256 $5$, bcrypt $2b$/$2y$), or undefined when it is. The message never repeats the value: a
 * plain password written here by mistake must not end up in a terminal or a log. MD5 ($1$) and DES are refused
 * as too weak.
 */
export function passwordHashProblem(value: string): string | undefined {
  // Only a short method name is ever shown: anything else may be a password that happens to contain "$".
  const id = /^\$([0-9a-z]{1,3})\$/.exec(value)?.[1];
  if (id === undefined) {
    return 'is not a crypt(3) hash (one starts with $ID$, e.g. $y$ or $6$); a plain password is never accepted';
  }
  if (id === '1') return 'is an MD5 hash ($1$), which is too weak to accept';
  const method = hashShapes.get(id);
  if (!method) return `has hash method $${id}$; accepted: $y$, $gy$, $7$, $6$, $5$, $2b$, $2y$`;
  if (!method.shape.test(value)) return `is not a complete ${method.name} hash ($${id}$…)`;
  return undefined;
}
