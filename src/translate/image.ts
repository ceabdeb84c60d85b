// Declared images and the roots made from them → units. machinist only writes files: the shipped templates
// (units/machinist-image@.service, -image-fs@, -overlay@, -copy@) do the work, each instance told by its drop-in
// what to do through Environment= variables the template expands as ${VAR} (always exactly one argument).
//
//   image version      machinist-image@IMAGE_VERSION.service.d/50-machinist.conf (a directory: machinist-image-fs@)
//   overlay root       var-lib-machines-NAME.mount (the template's RequiresMountsFor=/var/lib/machines/%i needs it)
//                      + machinist-overlay@NAME.service.d/50-machinist.conf (makes upper and work)
//   copy root          machinist-copy@NAME.service.d/50-machinist.conf (copies once, then is skipped)
//
// On-disk layout (README "Images"): everything machinist keeps lives under /var/lib/machinist, never as a
// hidden directory in /var/lib/machines (`machinectl clean` deletes those).
import type { Diagnostic } from '../diagnostics/types.js';
import { diag } from '../diagnostics/catalogue.js';
import { EncodeError, unitEnvironment, unitText } from '../ini/escape.js';
import { locate } from '../load/parse.js';
import type { ImageModel } from '../resolve/images.js';
import type { ContainerModel } from '../resolve/model.js';
import type { GeneratedFile, Shared } from './output.js';
import { header } from './output.js';

export const stateDir = '/var/lib/machinist';
export const imagesDir = `${stateDir}/images`;
export const containersDir = `${stateDir}/containers`;

/** The directory (tar, directory) or file (raw) of one image version. */
export const imagePath = (img: ImageModel) => `${imagesDir}/${img.id}`;
/** The unit that fetches or imports one image version. */
export const imageUnit = (img: ImageModel) =>
  `${img.format === 'directory' ? 'machinist-image-fs' : 'machinist-image'}@${img.id}.service`;

export type Storage = 'overlay' | 'copy';

/** Where a container with a declared image gets its root from. */
export interface Root {
  container: string;
  image: ImageModel;
  storage: Storage;
  /** The container's data for this image version: upper and work (overlay), or the copy. */
  data: string;
  /** What systemd-nspawn boots: the overlay mount point, or the copy. */
  root: string;
  /** The unit that makes the root (a mount unit or the copy oneshot). */
  unit: string;
}

/** systemd's escaping of a path component in a unit name (systemd-escape): "-" → \x2d. Names are [A-Za-z0-9.-]. */
const escapeName = (name: string) => name.replaceAll('-', '\\x2d');
/** The mount unit of /var/lib/machines/NAME. */
export const mountUnitName = (machine: string) => `var-lib-machines-${escapeName(machine)}.mount`;
/** The machine name of a mount unit made by mountUnitName, or undefined for another name. */
export function machineOfMountUnit(unit: string): string | undefined {
  const m = /^var-lib-machines-((?:[A-Za-z0-9.]|\\x2d)+)\.mount$/.exec(unit);
  return m ? m[1]!.replaceAll('\\x2d', '-') : undefined;
}

/** The oneshot that makes the layers (overlay) or the copy (copy) of container NAME's root. */
export const rootUnitName = (storage: Storage, machine: string) => `machinist-${storage}@${machine}.service`;
/** Its drop-in, which machinist writes. */
export const rootDropin = (storage: Storage, machine: string) =>
  `${rootUnitName(storage, machine)}.d/50-machinist.conf`;
/** The machine name of a drop-in made by rootDropin, or undefined for another name. */
export function machineOfRootDropin(rel: string): string | undefined {
  return /^machinist-(?:overlay|copy)@(.+)\.service\.d\/50-machinist\.conf$/.exec(rel)?.[1];
}

export function rootOf(c: ContainerModel): Root | undefined {
  const image = c.image;
  if (!image) return undefined;
  const storage: Storage = c.settings.storage ?? 'overlay';
  const data = `${containersDir}/${c.name}/${image.id}`;
  if (storage === 'overlay') {
    const root = `/var/lib/machines/${c.name}`;
    return { container: c.name, image, storage, data, root, unit: mountUnitName(c.name) };
  }
  const root = `${data}/${image.format === 'raw' ? 'root.raw' : 'root'}`;
  return { container: c.name, image, storage, data, root, unit: rootUnitName('copy', c.name) };
}

type Section = { name: string; entries: { key: string; value: string }[] };
const entry = (key: string, value: string) => ({ key, value });

/** One line saying where a container's root comes from (compile --dry-run, explain). */
export function describeRoot(r: Root): string {
  const img = `image ${r.image.name} version ${r.image.version}`;
  return r.storage === 'overlay'
    ? `overlay of ${img} (${imagePath(r.image)}) at ${r.root}, changes in ${r.data}/upper`
    : `own copy of ${img} (${imagePath(r.image)}) in ${r.root}`;
}

/**
 * machinist-image[-fs]@IMAGE_VERSION.service.d/50-machinist.conf: where one image version comes from, shared by
 * `users` (the containers whose root is made from it). The schema lets only plain URLs and paths through; should
 * one still not be writable, that is an error at its line.
 */
export function translateImage(
  img: ImageModel,
  users: readonly string[],
  diagnostics: Diagnostic[],
): GeneratedFile | undefined {
  const source = img.remote ? 'url' : 'path';
  let unit: Section['entries'];
  let service: Section['entries'];
  try {
    unit = [
      entry('Description', unitText(`machinist: image ${img.name} version ${img.version} from ${img.location}`)),
      entry('SourcePath', unitText(img.file.source.file)),
      ...(img.remote ? [entry('Wants', 'network-online.target'), entry('After', 'network-online.target')] : []),
    ];
    service =
      img.format === 'directory'
        ? [entry('Environment', unitEnvironment('MACHINIST_PATH', img.location))]
        : [
            entry('Environment', unitEnvironment('MACHINIST_FORMAT', img.format)),
            entry('Environment', unitEnvironment('MACHINIST_URL', img.location)),
            entry('Environment', unitEnvironment('MACHINIST_VERIFY', img.sha256 ?? 'no')),
          ];
  } catch (e) {
    if (!(e instanceof EncodeError)) throw e;
    const pos = locate(img.file, [source]);
    diagnostics.push(
      diag('unencodable-value', `${source} ${e.message}`, { file: img.file.source.file, path: [source], pos }),
    );
    return undefined;
  }
  const rel = `${imageUnit(img)}.d/50-machinist.conf`;
  const sections = [
    { name: 'Unit', entries: unit },
    { name: 'Service', entries: service },
  ];
  const shared: Shared = { kind: 'image', name: `${img.name} version ${img.version}`, containers: users };
  return { kind: 'file', dir: 'unit', rel, doc: { comments: header(img.file.source.file), sections }, shared };
}

/** A generated unit or drop-in of container c, made of machinist's own values (safe by construction). */
function unitFile(c: ContainerModel, r: Root, rel: string, sections: Section[]): GeneratedFile {
  const comments = header(c.file.source.file, `root from image ${r.image.name}`);
  return { kind: 'file', dir: 'unit', rel, doc: { comments, sections }, container: c.name };
}

const versionOf = (r: Root) => `image ${r.image.name} version ${r.image.version}`;

/** machinist-copy@NAME.service.d: copy the image version once (skipped once the copy exists). */
function copyUnits(c: ContainerModel, r: Root): GeneratedFile[] {
  const fetch = imageUnit(r.image);
  return [
    unitFile(c, r, rootDropin('copy', c.name), [
      {
        name: 'Unit',
        entries: [
          entry('Description', unitText(`machinist: own copy of ${versionOf(r)} for container ${c.name}`)),
          entry('SourcePath', unitText(c.file.source.file)),
          entry('ConditionPathExists', `!${r.root}`),
          entry('Requires', fetch),
          entry('After', fetch),
        ],
      },
      {
        name: 'Service',
        entries: [
          entry('Environment', unitEnvironment('MACHINIST_IMAGE', imagePath(r.image))),
          entry('Environment', unitEnvironment('MACHINIST_LAYERS', r.data)),
          entry('Environment', unitEnvironment('MACHINIST_ROOT', r.root)),
        ],
      },
    ]),
  ];
}

/** var-lib-machines-NAME.mount and machinist-overlay@NAME.service.d: the overlay root and its layers. */
function overlayUnits(c: ContainerModel, r: Root): GeneratedFile[] {
  const layers = rootUnitName('overlay', c.name);
  const needs = `${layers} ${imageUnit(r.image)}`;
  const options = `lowerdir=${imagePath(r.image)},upperdir=${r.data}/upper,workdir=${r.data}/work`;
  const mount = unitFile(c, r, r.unit, [
    {
      name: 'Unit',
      entries: [
        entry('Description', unitText(`machinist: root of container ${c.name}, overlay of ${versionOf(r)}`)),
        entry('SourcePath', unitText(c.file.source.file)),
        // A mount's default dependencies order it before local-fs.target, but this one waits for services
        // (the image fetch) that run after sysinit.target: an ordering cycle. So only the shutdown ones are kept.
        entry('DefaultDependencies', 'no'),
        entry('Conflicts', 'umount.target'),
        entry('Before', 'umount.target'),
        // Mounted while the container runs: a restart remounts it, so a changed image version takes effect.
        entry('PartOf', `machine@${c.name}.service`),
        entry('StopWhenUnneeded', 'yes'),
        entry('Requires', needs),
        entry('After', needs),
        entry('RequiresMountsFor', stateDir),
      ],
    },
    {
      name: 'Mount',
      entries: [entry('What', 'overlay'), entry('Where', r.root), entry('Type', 'overlay'), entry('Options', options)],
    },
  ]);
  const dropin = unitFile(c, r, rootDropin('overlay', c.name), [
    { name: 'Unit', entries: [entry('SourcePath', unitText(c.file.source.file))] },
    { name: 'Service', entries: [entry('Environment', unitEnvironment('MACHINIST_LAYERS', r.data))] },
  ]);
  return [dropin, mount];
}

/** The units that make a container's root from its image version. */
export function translateRoot(c: ContainerModel, r: Root): GeneratedFile[] {
  return r.storage === 'copy' ? copyUnits(c, r) : overlayUnits(c, r);
}
