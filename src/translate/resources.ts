// resources: → cgroup settings (systemd.resource-control(5)), shared by container drop-ins and slice units.
import { unitWord } from '../ini/escape.js';
import type { ResourceKey } from '../resolve/setting-keys.js';
import type { Resources } from '../schema/container.js';
import type { Entries } from './output.js';

// Values are written as they are: the schema admits only their grammar (digits, K/M/G/T, %, infinity), and
// these settings take no specifiers, so "%" must stay a single "%" (systemd-analyze verify rejects "150%%").
const scalar = (v: string | number) => String(v);

/**
 * A device path in a "PATH VALUE" setting (IO*Max=, IODeviceWeight=, DeviceAllow=): systemd reads the path as one
 * unquoted word with specifiers, exactly as unitWord() writes one.
 */
export const devicePath = (p: string): string => unitWord(p);

const perDevice: [ResourceKey, keyof NonNullable<Resources['io']>][] = [
  ['IODeviceWeight', 'device_weight'],
  ['IOReadBandwidthMax', 'read_bandwidth_max'],
  ['IOWriteBandwidthMax', 'write_bandwidth_max'],
  ['IOReadIOPSMax', 'read_iops_max'],
  ['IOWriteIOPSMax', 'write_iops_max'],
];

const deviceValue = (v: string | number, dev: string | number | undefined) =>
  `${devicePath(dev as string)} ${scalar(v)}`;

function one(out: Entries<ResourceKey>, key: ResourceKey, v: string | number | undefined): void {
  if (v !== undefined) out.raw(key, scalar(v));
}

/** resources: → the cgroup keys of `out` ([Service] of a drop-in or [Slice]); their YAML paths are resources.*. */
export function resourceEntries(r: Resources | undefined, out: Entries<ResourceKey>): void {
  if (!r) return;
  const { cpu, memory, io } = r;
  if (cpu) {
    one(out, 'CPUWeight', cpu.weight);
    one(out, 'CPUQuota', cpu.quota);
    one(out, 'AllowedCPUs', cpu.cpus);
  }
  if (memory) {
    one(out, 'MemoryMin', memory.min);
    one(out, 'MemoryLow', memory.low);
    one(out, 'MemoryHigh', memory.high);
    one(out, 'MemoryMax', memory.max);
    one(out, 'MemorySwapMax', memory.swap_max);
    one(out, 'AllowedMemoryNodes', memory.nodes);
  }
  one(out, 'TasksMax', r.tasks_max);
  if (!io) return;
  one(out, 'IOWeight', io.weight);
  for (let f = 0; f < perDevice.length; f++) {
    const key = perDevice[f]![0];
    const map = io[perDevice[f]![1]] as Record<string, string | number> | undefined;
    if (!map) continue;
    const devices = Object.keys(map);
    for (let i = 0; i < devices.length; i++) out.add(key, deviceValue, map[devices[i]!]!, devices[i]!);
  }
}
