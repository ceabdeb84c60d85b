// Host ports forwarded to containers (network.ports, Port=). Connections to one host port and protocol can
// reach one container only, so a second forward of it is an error at its line that names the first. Every
// forward of every container goes through one function, so that other kinds of forwards (later: pods) are
// checked against the same list.
import type { Diagnostic } from '../diagnostics/types.js';
import { locate } from '../load/parse.js';
import type { YamlPath } from '../load/parse.js';
import { originOf } from './merge.js';
import type { ContainerModel, Model, Owner, PodModel } from './model.js';
import { diagAt, failedWith } from './model.js';

export interface PublishedPort {
  protocol: 'tcp' | 'udp';
  /** The host port. */
  port: number;
  /** Who forwards it, as a message names it, e.g. `container "web"`. */
  by: string;
  /** Where the forward is written: the owner's files and the YAML path of the entry. */
  owner: Owner;
  path: YamlPath;
}

/** The forwards of a container's network.ports (only a private network has any; checks.ts refuses others). */
export function containerPorts(c: ContainerModel): PublishedPort[] {
  const ports = c.settings.network?.ports;
  if (!ports) return [];
  const out: PublishedPort[] = [];
  for (let i = 0; i < ports.length; i++) {
    const p = ports[i]!;
    const text = String(p);
    const protocol = text.startsWith('udp:') ? 'udp' : 'tcp';
    const port = Number(text.replace(/^(?:tcp|udp):/, '').split(':')[0]);
    out.push({ protocol, port, by: `container "${c.name}"`, owner: c, path: ['network', 'ports', i] });
  }
  return out;
}

/** The ports a pod publishes on the host (pods/NAME.yaml ports:, TCP only: pods.ts refuses others). */
export function podPorts(p: PodModel): PublishedPort[] {
  const ports = p.settings.ports ?? [];
  const owner: Owner = { file: p.file, origins: new Map() };
  return ports.map((spec, i) => ({
    protocol: 'tcp' as const,
    port: Number(String(spec).replace(/^tcp:/, '').split(':')[0]),
    by: `pod "${p.name}"`,
    owner,
    path: ['ports', i],
  }));
}

/** Where a forward is written, as "FILE:LINE" for a message. */
function placeOf(p: PublishedPort): string {
  const o = originOf(p.owner.origins, p.path);
  const file = o?.file ?? p.owner.file;
  const pos = locate(file, o?.path ?? p.path);
  return pos ? `${file.source.file}:${pos.line}` : file.source.file;
}

/** An error at every forward of a host port that an earlier one (in the given order) already forwards. */
export function portClashes(ports: readonly PublishedPort[]): Diagnostic[] {
  const first = new Map<string, PublishedPort>();
  const out: Diagnostic[] = [];
  for (const p of ports) {
    const key = `${p.protocol}:${p.port}`;
    const earlier = first.get(key);
    if (!earlier) {
      first.set(key, p);
      continue;
    }
    const same = earlier.owner === p.owner;
    const earlierOne = same ? 'an earlier entry of this container' : earlier.by;
    const message = `host port ${key} is already forwarded by ${earlierOne} (${placeOf(earlier)})`;
    const hint = `Forward another host port, e.g. "${p.protocol}:${p.port + 1}:…", or remove one of the two forwards.`;
    out.push(diagAt(p.owner, 'port-clash', message, p.path, { hint }));
  }
  return out;
}

/**
 * Port clashes between the containers and pods of the model; a container with one moves to `failed`, and so
 * do the members of a pod with one (they must not run without the ports their pod was meant to publish).
 */
export function checkPortClashes(model: Model): Diagnostic[] {
  const pods = model.pods ?? [];
  const out = portClashes([...model.containers.flatMap(containerPorts), ...pods.flatMap(podPorts)]);
  if (!out.length) return out;
  const bad = new Set(out.map((d) => d.container));
  for (const p of pods) {
    const own = out.filter((d) => d.container === undefined && d.file === p.file.source.file);
    if (!own.length) continue;
    for (const m of p.members) bad.add(m);
    for (const c of model.containers) if (p.members.includes(c.name)) model.failed.set(c.name, failedWith(c, own));
  }
  if (pods.length) model.pods = pods.filter((p) => p.members.every((m) => !bad.has(m)));
  for (const c of model.containers) {
    if (!bad.has(c.name) || model.failed.has(c.name)) continue;
    model.failed.set(
      c.name,
      failedWith(
        c,
        out.filter((d) => d.container === c.name),
      ),
    );
  }
  model.containers = model.containers.filter((c) => !bad.has(c.name));
  return out;
}
