// pods/NAME.yaml → the pod's outputs: a drop-in for the shipped template machinist-pod@NAME.service (which makes
// the network namespace /run/netns/NAME) and, per published port, a .socket on the host plus a service that
// runs systemd-socket-proxyd inside the pod's namespace. systemd-nspawn's Port= cannot publish a port on the
// host's loopback; a socket in the host's namespace and a proxy in the pod's can.
import type { Diagnostic } from '../diagnostics/types.js';
import { unitText } from '../ini/escape.js';
import type { PodModel } from '../resolve/model.js';
import { tcpPort } from '../resolve/pods.js';
import { podPortService, podPortSocket, podPortUnit, podUnit } from '../resolve/setting-keys.js';
import type { GeneratedFile, Shared } from './output.js';
import { Entries, doc, header } from './output.js';

export const podUnitName = (pod: string) => `machinist-pod@${pod}.service`;
export const podNetnsPath = (pod: string) => `/run/netns/${pod}`;
/** The stem of a published port's .socket and .service: machinist-pod-NAME-tcp-HOSTPORT. */
export const portUnitStem = (pod: string, hostPort: number) => `machinist-pod-${pod}-tcp-${hostPort}`;
/**
 * A unit name read back as portUnitStem + .socket or .service, else undefined. The port is the last "-tcp-"
 * part (the pod part is greedy), so a pod whose name has "-tcp-" in it is still read right.
 */
function portUnit(name: string): { pod: string; port: number; kind: 'socket' | 'service' } | undefined {
  const m = /^machinist-pod-(.+)-tcp-([1-9]\d*)\.(socket|service)$/.exec(name);
  return m ? { pod: m[1]!, port: Number(m[2]), kind: m[3] as 'socket' | 'service' } : undefined;
}
/** Whether a unit file name is a published port's .socket or .service, of any pod (for pruning and stopping). */
export const isPortUnit = (name: string): boolean => portUnit(name) !== undefined;
/** The host port of a unit name that is one of pod's port sockets, else undefined. */
export function socketPort(pod: string, unit: string): number | undefined {
  const u = portUnit(unit);
  return u?.kind === 'socket' && u.pod === pod ? u.port : undefined;
}
/** How long an idle proxy stays: while it runs it keeps the pod (and its namespace) up. */
export const proxyIdleTime = '30s';
export const socketProxyd = '/usr/lib/systemd/systemd-socket-proxyd';

function podDropin(p: PodModel, stems: string[], diagnostics: Diagnostic[]): GeneratedFile {
  const owner = { file: p.file, origins: new Map() };
  const unit = new Entries(podUnit, owner, diagnostics);
  if (p.settings.description !== undefined) unit.add('Description', unitText, p.settings.description);
  unit.add('SourcePath', unitText, p.file.source.file);
  // The pod wants its sockets; each socket is PartOf= the pod (it stops with it) but does not keep it needed.
  for (const stem of stems) unit.raw('Wants', `${stem}.socket`);
  const rel = `${podUnitName(p.name)}.d/50-machinist.conf`;
  return { kind: 'file', dir: 'unit', rel, doc: doc(header(p.file.source.file), [unit]) };
}

function portUnits(p: PodModel, host: number, inner: number, diagnostics: Diagnostic[]): GeneratedFile[] {
  const owner = { file: p.file, origins: new Map() };
  const stem = portUnitStem(p.name, host);
  const what = `Pod ${p.name}: host port ${host} to pod port ${inner}`;
  const pod = podUnitName(p.name);
  const sUnit = new Entries(podPortUnit, owner, diagnostics);
  sUnit.raw('Description', what);
  sUnit.add('SourcePath', unitText, p.file.source.file);
  sUnit.raw('PartOf', pod);
  const socket = new Entries(podPortSocket, owner, diagnostics);
  // A port alone listens on every address of the host, IPv4 and IPv6, loopback included.
  socket.raw('ListenStream', String(host));
  const vUnit = new Entries(podPortUnit, owner, diagnostics);
  vUnit.raw('Description', what);
  vUnit.add('SourcePath', unitText, p.file.source.file);
  for (const dep of ['BindsTo', 'After'] as const) vUnit.raw(dep, pod);
  for (const dep of ['Requires', 'After'] as const) vUnit.raw(dep, `${stem}.socket`);
  const service = new Entries(podPortService, owner, diagnostics);
  service.raw('NetworkNamespacePath', podNetnsPath(p.name));
  service.raw('ExecStart', `${socketProxyd} --exit-idle-time=${proxyIdleTime} 127.0.0.1:${inner}`);
  const comments = header(p.file.source.file);
  return [
    { kind: 'file', dir: 'unit', rel: `${stem}.service`, doc: doc(comments, [vUnit, service]) },
    { kind: 'file', dir: 'unit', rel: `${stem}.socket`, doc: doc(comments, [sUnit, socket]) },
  ];
}

/** Every output of one pod, each shared by `members` (its containers that translated). */
export function translatePod(p: PodModel, members: readonly string[], diagnostics: Diagnostic[]): GeneratedFile[] {
  const out: GeneratedFile[] = [];
  const stems: string[] = [];
  for (const spec of p.settings.ports ?? []) {
    const port = tcpPort(spec)!;
    stems.push(portUnitStem(p.name, port.host));
    out.push(...portUnits(p, port.host, port.inner, diagnostics));
  }
  out.unshift(podDropin(p, stems, diagnostics));
  const shared: Shared = { kind: 'pod', name: p.name, containers: members };
  return out.map((f) => ({ ...f, shared }));
}
