// The image schema: one file in images/, NAME.yaml → image "NAME". Where a root file system comes from: a URL
// (downloaded once by systemd-pull and verified against sha256) or a local file or directory. Key names mirror
// the YAML; descriptions are the reference documentation. Which keys go together (a url needs sha256) is
// checked in resolve/images.ts, at the line of the key that is wrong.
import * as z from 'zod/mini';
import { pathProblem, rules } from './rules.js';
import { field, pattern } from './values.js';

// Characters a URL may hold here: the unreserved and delimiter characters of RFC 3986 and "%" escapes. Quotes,
// backslashes, "$" and whitespace are left out: a URL must reach systemd-pull as one argument, unchanged
// through the unit file's unquoting, and a real one never needs them (percent-encode them instead).
const urlChars = 'A-Za-z0-9._~!&()*+,;=:@%\\[\\]\\-';
const urlPattern = new RegExp(`^https?://[${urlChars}]+(?:[/?#][${urlChars}/?#]*)?$`);
const urlHint = 'must be an http:// or https:// URL without spaces, quotes, backslashes or "$" (percent-encode them)';

// A local path is handed to systemd-pull as a file:// URL (or to systemd-import-fs): plain characters only.
const localPath = z.string().check(
  z.refine(rules.path, { error: (issue) => pathProblem(issue.input as string) }),
  z.regex(/^[A-Za-z0-9_.,+=@/-]+$/, {
    message: 'must consist of letters, digits and _ . , + = @ / - only (it becomes a file:// URL)',
  }),
);

export const imageFormats = ['tar', 'raw'] as const;

export const imageSchema = z.strictObject({
  description: field(z.string(), 'Human-readable description of the image.'),
  url: field(
    pattern(urlPattern, urlHint),
    'Where to download the image (http or https), once, with systemd-pull; a tar archive (optionally compressed: .tar.gz, .tar.xz, .tar.zst, …) or a raw disk image (.raw, .img, .qcow2, optionally compressed). Needs sha256.',
  ),
  path: field(
    localPath,
    'Instead of url: a local tar archive or raw disk image (by its file name, or format:), or a directory, imported once. Without sha256 its version is "local": later changes to the file are not picked up.',
  ),
  sha256: field(
    pattern(/^[0-9a-f]{64}$/, 'must be 64 lower-case hexadecimal digits (the output of sha256sum)'),
    "The image's SHA-256 (64 hex digits), checked by systemd-pull before the image is used; required with url, optional with a local file. It is also the image's version: a new sha256 is a new image version, fetched into its own directory.",
  ),
  format: field(
    z.enum(imageFormats),
    'tar or raw; by default taken from the file name (a path that is neither is a directory).',
  ),
});

export type ImageInput = z.infer<typeof imageSchema>;
