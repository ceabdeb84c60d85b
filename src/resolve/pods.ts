// Pods: pods/NAME.yaml names a network namespace that containers with `network: { mode: pod, pod: NAME }`
// share. Here a member's pod is checked to exist and be valid (else the member fails: it must not start in
// a network it did not ask for), and each pod gets its member list; a pod without members writes nothing.
import { diag } from '../diagnostics/catalogue.js';
import { didYouMean } from '../diagnostics/nearest.js';
import type { Diagnostic } from '../diagnostics/types.js';
import { locate } from '../load/parse.js';
import type { ParsedFile } from '../load/parse.js';
import type { PodInput } from '../schema/files.js';
import { diagAt, failedWith } from './model.js';
import type { Model, PodModel } from './model.js';

/** The TCP port numbers of a port spec "[tcp:|udp:]HOST[:INNER]", or undefined for UDP. */
export function tcpPort(spec: string | number): { host: number; inner: number } | undefined {
  const parts = String(spec).split(':');
  if (parts[0] === 'udp') return undefined;
  const nums = parts[0] === 'tcp' ? parts.slice(1) : parts;
  const host = Number(nums[0]);
  return { host, inner: nums[1] === undefined ? host : Number(nums[1]) };
}

function checkPod(file: ParsedFile): Diagnostic[] {
  const ports = (file.value as PodInput | undefined)?.ports ?? [];
  const out: Diagnostic[] = [];
  for (let i = 0; i < ports.length; i++) {
    if (tcpPort(ports[i]!)) continue;
    const path = ['ports', i];
    const hint = 'Write "tcp:HOST:POD", or give a member its own network (veth) and forward UDP with network.ports.';
    const message = 'a pod publishes TCP ports only (systemd-socket-proxyd forwards streams)';
    out.push(diag('invalid-value', message, { file: file.source.file, path, pos: locate(file, path), hint }));
  }
  return out;
}

/** Fill model.pods; members of a missing or broken pod move to model.failed. */
export function resolvePods(
  files: readonly ParsedFile[],
  errorsOf: (f: ParsedFile) => readonly Diagnostic[],
  model: Model,
): Diagnostic[] {
  const podFiles = new Map<string, ParsedFile>();
  for (const f of files) if (f.source.kind === 'pod') podFiles.set(f.source.name, f);
  const out: Diagnostic[] = [];
  const pods = new Map<string, PodModel>();
  const broken = new Set<string>();
  for (const name of [...podFiles.keys()].sort()) {
    const file = podFiles.get(name)!;
    const errs = checkPod(file);
    out.push(...errs);
    if (errs.length || errorsOf(file).length) broken.add(name);
    else pods.set(name, { name, file, settings: (file.value as PodInput | undefined) ?? {}, members: [] });
  }
  for (const c of model.containers) {
    if (c.settings.network?.mode !== 'pod') continue;
    const pod = c.settings.network.pod!;
    const p = pods.get(pod);
    if (p) {
      p.members.push(c.name);
      continue;
    }
    const near = didYouMean(pod, podFiles.keys()) ?? '';
    const create = `${near} Or create pods/${pod}.yaml (an empty file is fine).`.trim();
    const hint = broken.has(pod) ? `Fix pods/${pod}.yaml.` : create;
    const message = broken.has(pod)
      ? `pod "${pod}" has errors, so its members do not start`
      : `pod "${pod}" has no file pods/${pod}.yaml`;
    const d = diagAt(c, 'unknown-pod', message, ['network', 'pod'], { hint });
    out.push(d);
    model.failed.set(c.name, failedWith(c, [d]));
  }
  if (out.some((d) => d.code === 'unknown-pod')) {
    model.containers = model.containers.filter((c) => !model.failed.has(c.name));
  }
  model.pods = [...pods.values()].filter((p) => p.members.length > 0);
  return out;
}
