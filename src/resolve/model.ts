// The resolved model: what translate works from. Every value keeps the file and YAML path it came from.
import { diag } from '../diagnostics/catalogue.js';
import type { Code, DiagInit } from '../diagnostics/catalogue.js';
import type { Diagnostic } from '../diagnostics/types.js';
import { locate } from '../load/parse.js';
import type { ParsedFile, YamlPath } from '../load/parse.js';
import type { SeedDocuments } from '../schema/cloud-init.js';
import type { ContainerInput } from '../schema/container.js';
import type { PodInput, SliceInput } from '../schema/files.js';
import type { ImageModel } from './images.js';
import { originOf } from './merge.js';
import type { Origins } from './merge.js';

export interface ContainerModel {
  name: string;
  file: ParsedFile;
  /** Profiles in the order they were applied (includes of includes first). */
  profiles: string[];
  /** Every file whose content shaped this container, for headers and restart decisions. */
  layers: ParsedFile[];
  settings: ContainerInput;
  origins: Origins;
  /** The declared image (images/NAME.yaml) its root comes from; absent for an undeclared image or none. */
  image?: ImageModel;
  /** cloud_init: with its template merged under it (resolve/cloud-init.ts); absent without cloud_init:. */
  cloudInit?: SeedDocuments;
}

export interface SliceModel {
  name: string;
  file: ParsedFile;
  settings: SliceInput;
}

export interface PodModel {
  name: string;
  file: ParsedFile;
  settings: PodInput;
  /** Its containers (network.mode pod naming it), by name. */
  members: string[];
}

export interface Model {
  containers: ContainerModel[];
  slices: SliceModel[];
  /** Declared images without errors, by name. */
  images: ImageModel[];
  /** Pods that have at least one member, by name (see pods.ts). */
  pods?: PodModel[];
  /** Containers that could not be compiled, with the errors that stopped them (generator: failing units). */
  failed: Map<string, FailedContainer>;
}

export interface FailedContainer {
  /** The container's file; undefined where it could not be read. */
  file: ParsedFile | undefined;
  errors: Diagnostic[];
  /** Kept when the layers merged into valid settings, so later stages can still report every problem. */
  merged?: ContainerModel;
  /** Whether it would have been started at boot (machines.target.wants), by startsAtBoot. */
  autostart: boolean;
}

/**
 * Whether merged settings start the container at boot. A broken container's settings are what its readable
 * layers say (unvalidated), and a container with no readable settings counts as yes: a container that might
 * have been meant to run must show up in `systemctl --failed`.
 */
export function startsAtBoot(settings: Record<string, unknown> | undefined): boolean {
  if (settings === undefined) return true;
  const v = settings['autostart'];
  return v !== undefined && v !== null && v !== false;
}

/** A container whose settings merged but which failed a later check. */
export const failedWith = (c: ContainerModel, errors: Diagnostic[]): FailedContainer => ({
  file: c.file,
  errors,
  merged: c,
  autostart: startsAtBoot(c.settings),
});

/** Whose values a diagnostic is about: a container (name set) or a slice file (no origins beyond the file). */
export interface Owner {
  file: ParsedFile;
  origins: Origins;
  /** The container's name; absent for slices, so a slice problem is never mistaken for a container's. */
  name?: string;
}

/** A diagnostic about a merged value, placed at the file and line the value came from. */
export function diagAt(
  c: Owner,
  code: Code,
  message: string,
  path: YamlPath,
  init: DiagInit = {},
  which: 'key' | 'value' = 'value',
): Diagnostic {
  const o = originOf(c.origins, path);
  const file = o?.file ?? c.file;
  const inFile = o?.path ?? path;
  return diag(code, message, {
    file: file.source.file,
    path: inFile,
    pos: locate(file, inFile, which),
    ...(c.name !== undefined ? { container: c.name } : {}),
    ...init,
  });
}
