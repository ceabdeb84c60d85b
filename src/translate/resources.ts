// resources: → cgroup settings (systemd.resource-control(5)), shared by container drop-ins and slice units.
import { EncodeError } from '../ini/escape.js';
import type { Resources } from '../schema/container.js';
import type { Entries } from './output.js';

// Values are written as they are: the schema admits only their grammar (digits, K/M/G/T, %, infinity), and
// these settings take no specifiers, so "%" must stay a single "%" (systemd-analyze verify rejects "150%%").
const scalar = (v: string | number) => String(v);

/**
 * A device path in a "PATH VALUE" setting (IO*Max=, IODeviceWeight=, DeviceAllow=): the two are split at
 * whitespace, and whether "%" is a specifier differs between these keys, so paths with either are refused.
 */
export function devicePath(p: string): string {
  if (/\s/.test(p)) throw new EncodeError('is a device path with whitespace, which a "PATH VALUE" setting cannot hold');
  if (p.includes('%')) throw new EncodeError('is a device path with "%", which systemd may read as a specifier here');
  return p;
}

export function resourceEntries(r: Resources | undefined, out: Entries, base: (string | number)[] = ['resources']): void {
  if (!r) return;
  const at = (...p: (string | number)[]) => [...base, ...p];
  const one = (key: string, v: string | number | undefined) => {
    if (v !== undefined) out.raw(key, scalar(v));
  };
  one('CPUWeight', r.cpu?.weight);
  one('CPUQuota', r.cpu?.quota);
  one('AllowedCPUs', r.cpu?.cpus);
  one('MemoryMin', r.memory?.min);
  one('MemoryLow', r.memory?.low);
  one('MemoryHigh', r.memory?.high);
  one('MemoryMax', r.memory?.max);
  one('MemorySwapMax', r.memory?.swap_max);
  one('AllowedMemoryNodes', r.memory?.nodes);
  one('TasksMax', r.tasks_max);
  one('IOWeight', r.io?.weight);
  const perDevice: [string, keyof NonNullable<Resources['io']>][] = [
    ['IODeviceWeight', 'device_weight'],
    ['IOReadBandwidthMax', 'read_bandwidth_max'],
    ['IOWriteBandwidthMax', 'write_bandwidth_max'],
    ['IOReadIOPSMax', 'read_iops_max'],
    ['IOWriteIOPSMax', 'write_iops_max'],
  ];
  for (const [key, field] of perDevice) {
    const map = r.io?.[field] as Record<string, string | number> | undefined;
    for (const [dev, v] of Object.entries(map ?? {})) {
      out.add(key, at('io', field, dev), () => `${devicePath(dev)} ${scalar(v)}`);
    }
  }
}
