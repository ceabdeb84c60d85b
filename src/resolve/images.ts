// images/NAME.yaml → the image model: where an image comes from, in which format, and which version it is.
// A version is what a container's root is tied to: the sha256 when there is one, else "local" (a local file or
// directory imported once). An image with an error is set aside; the containers that use it fail with it.
import { diag } from '../diagnostics/catalogue.js';
import type { Diagnostic } from '../diagnostics/types.js';
import { locate } from '../load/parse.js';
import type { ParsedFile, YamlPath } from '../load/parse.js';
import type { ImageInput } from '../schema/image.js';
import type { ContainerModel } from './model.js';
import { diagAt } from './model.js';

export type ImageFormat = 'tar' | 'raw' | 'directory';

export interface ImageModel {
  name: string;
  file: ParsedFile;
  /** Where systemd-pull fetches it from (http, https or file URL), or the directory systemd-import-fs copies. */
  location: string;
  /** Whether location is a URL of the network (the fetch then waits for network-online.target). */
  remote: boolean;
  format: ImageFormat;
  sha256?: string;
  /** The sha256, or "local" for a local image without one. */
  version: string;
  /** IMAGE_VERSION: the unit instance and directory name of this version ("_" is in no image name). */
  id: string;
}

export interface Images {
  images: Map<string, ImageModel>;
  /** Images whose file has errors: a container using one fails with it. */
  broken: Set<string>;
  diagnostics: Diagnostic[];
}

const TAR = /\.(?:tar(?:\.(?:gz|xz|zst|zstd|bz2|lz|lzma))?|tgz|txz|tbz2?)$/;
const RAW = /\.(?:raw|img|qcow2)(?:\.(?:gz|xz|zst|zstd|bz2))?$/;

/** tar or raw from the last segment of a URL or path (query and fragment ignored), or undefined. */
export function formatFromName(location: string): 'tar' | 'raw' | undefined {
  const path = location.replace(/[?#].*$/, '').toLowerCase();
  if (TAR.test(path)) return 'tar';
  if (RAW.test(path)) return 'raw';
  return undefined;
}

type Code = Parameters<typeof diag>[0];

function at(
  file: ParsedFile,
  code: Code,
  message: string,
  path: YamlPath,
  hint?: string,
  which: 'key' | 'value' = 'value',
): Diagnostic {
  const pos = locate(file, path, which);
  return diag(code, message, { file: file.source.file, path, pos, ...(hint ? { hint } : {}) });
}

/** One image file, valid against its schema → its model, or the problems that stop it. */
export function imageOf(file: ParsedFile): { image?: ImageModel; problems: Diagnostic[] } {
  const s = (file.value ?? {}) as ImageInput;
  const name = file.source.name;
  const problems: Diagnostic[] = [];
  if (s.url === undefined && s.path === undefined) {
    const hint = 'Add url: (with sha256:) to download it, or path: for a local file or directory.';
    problems.push(at(file, 'invalid-value', `image "${name}" says neither url: nor path:`, [], hint));
    return { problems };
  }
  if (s.url !== undefined && s.path !== undefined) {
    const hint = 'Keep url: (a download) or path: (a local file or directory), not both.';
    const message = 'url and path both say where the image comes from';
    problems.push(at(file, 'conflicting-keys', message, ['path'], hint, 'key'));
  }
  if (s.url !== undefined && s.sha256 === undefined) {
    const message = `image "${name}" is downloaded from a URL without a sha256 to verify it against`;
    problems.push(at(file, 'missing-sha256', message, ['url'], undefined, 'key'));
  }
  const named = formatFromName(s.url ?? s.path!);
  if (s.url !== undefined && s.format === undefined && named === undefined) {
    const message = 'the URL does not say whether the image is a tar archive or a raw disk image';
    problems.push(at(file, 'invalid-value', message, ['url'], 'Add format: tar or format: raw.'));
  }
  const format: ImageFormat = s.format ?? named ?? 'directory';
  if (format === 'directory' && s.sha256 !== undefined) {
    const message = 'sha256 cannot be checked for a directory (the path names no .tar or .raw file)';
    const hint = 'Remove sha256:, or add format: tar or format: raw if the path is such a file.';
    problems.push(at(file, 'conflicting-keys', message, ['sha256'], hint, 'key'));
  }
  if (problems.length) return { problems };
  const version = s.sha256 ?? 'local';
  const remote = s.url !== undefined;
  const location = remote ? s.url! : format === 'directory' ? s.path! : `file://${s.path!}`;
  const image: ImageModel = { name, file, location, remote, format, version, id: `${name}_${version}` };
  if (s.sha256 !== undefined) image.sha256 = s.sha256;
  return { image, problems };
}

/** Every image file → models; `errorsOf` gives the parse and schema errors already reported for a file. */
export function resolveImages(
  files: readonly ParsedFile[],
  errorsOf: (f: ParsedFile) => readonly Diagnostic[],
): Images {
  const images = new Map<string, ImageModel>();
  const broken = new Set<string>();
  const diagnostics: Diagnostic[] = [];
  for (const file of files) {
    if (file.source.kind !== 'image') continue;
    const name = file.source.name;
    if (errorsOf(file).length) {
      broken.add(name);
      continue;
    }
    const { image, problems } = imageOf(file);
    diagnostics.push(...problems);
    if (image) images.set(name, image);
    else broken.add(name);
  }
  return { images, broken, diagnostics };
}

/**
 * A container's use of images: a declared image is attached to it (and its file joins the container's layers);
 * an image with errors fails the container; storage: needs a declared image, and an overlay needs a tree.
 */
export function checkImageUse(c: ContainerModel, imgs: Images): Diagnostic[] {
  const s = c.settings;
  const out: Diagnostic[] = [];
  const declared = s.image !== undefined ? imgs.images.get(s.image) : undefined;
  if (s.image !== undefined && imgs.broken.has(s.image)) {
    const message = `image "${s.image}" has errors (images/${s.image}.yaml), so this container has no root`;
    out.push(diagAt(c, 'broken-image', message, ['image'], { hint: `Fix images/${s.image}.yaml.` }));
    return out;
  }
  if (s.storage !== undefined && declared === undefined) {
    const which = s.image === undefined ? 'no image' : `image "${s.image}" has no file images/${s.image}.yaml`;
    const message = `storage: ${s.storage} needs a declared image, but ${which}`;
    out.push(diagAt(c, 'undeclared-image', message, ['storage'], {}, 'key'));
  }
  if (declared === undefined) return out;
  if ((s.storage ?? 'overlay') === 'overlay' && declared.format === 'raw') {
    const message = `image "${declared.name}" is a raw disk image, which cannot be the lower layer of an overlay root`;
    const hint = 'Add storage: copy (the container gets its own copy of the disk image), or use a tar image.';
    out.push(diagAt(c, 'conflicting-keys', message, s.storage === undefined ? ['image'] : ['storage'], { hint }));
  }
  c.image = declared;
  if (!c.layers.includes(declared.file)) c.layers.push(declared.file);
  return out;
}
