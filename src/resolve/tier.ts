// Security tiers: `security.tier: hardened | strict` is a layer of defaults below everything the container and
// its profiles say. A tier fills in what was left unset and adds its capability drops and system call denials,
// except what the container grants explicitly (capabilities.add keeps a capability the tier would drop).
// Every value a tier supplies records the tier as its origin, so `machinist explain` names it.
import { pathKey } from '../load/parse.js';
import type { Diagnostic } from '../diagnostics/types.js';
import type { ContainerInput } from '../schema/container.js';
import type { Origin } from './merge.js';
import { diagAt } from './model.js';
import type { ContainerModel } from './model.js';

export const tiers = ['hardened', 'strict'] as const;
export type Tier = (typeof tiers)[number];

/** Capabilities the hardened tier drops (and so the strict tier too). */
export const hardenedDrops = ['CAP_SYS_PTRACE', 'CAP_NET_RAW', 'CAP_SYS_RAWIO', 'CAP_SYS_BOOT'] as const;

/** Capabilities the strict tier drops. Never CAP_SYS_ADMIN: systemd as the guest's PID 1 needs it. */
export const strictDrops = [
  'CAP_AUDIT_CONTROL',
  'CAP_AUDIT_READ',
  'CAP_BLOCK_SUSPEND',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
  'CAP_DAC_READ_SEARCH',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_LEASE',
  'CAP_LINUX_IMMUTABLE',
  'CAP_MAC_ADMIN',
  'CAP_MAC_OVERRIDE',
  'CAP_NET_ADMIN',
  'CAP_NET_BROADCAST',
  'CAP_NET_RAW',
  'CAP_PERFMON',
  'CAP_SYS_BOOT',
  'CAP_SYS_MODULE',
  'CAP_SYS_NICE',
  'CAP_SYS_PACCT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
] as const;

/** System call groups the strict tier denies (written as their system calls, which nspawn 252 enforces). */
export const strictDenials = ['~@cpu-emulation', '~@debug', '~@obsolete', '~@raw-io'] as const;

/**
 * Capabilities a guest's DHCP client needs (systemd-networkd: both, measured on 252). Where the guest has a
 * network of its own to configure, a tier keeps them, so the guest is never left without its address.
 */
export const networkConfigCaps = ['CAP_NET_ADMIN', 'CAP_NET_RAW'] as const;

/** Network modes in which the guest configures an interface of its own. */
const configuredModes = new Set(['veth', 'bridge', 'zone', 'macvlan', 'ipvlan', 'interface']);

/** The mode a tier gives a container that says none: an own network behind a veth pair. */
export const tierNetworkMode = 'veth';

/** The capabilities `tier` drops from a container whose network is in `mode`, before explicit adds. */
export function tierDrops(tier: Tier, mode: string): string[] {
  const all: readonly string[] = tier === 'strict' ? strictDrops : hardenedDrops;
  if (!configuredModes.has(mode)) return [...all];
  return all.filter((cap) => !(networkConfigCaps as readonly string[]).includes(cap));
}

type Security = NonNullable<ContainerInput['security']>;
type Capabilities = NonNullable<Security['capabilities']>;

/**
 * Apply the container's tier (if any) under its settings, in place. Returns the diagnostics it causes: an
 * explicit host network with a tier is kept (what the container says wins) but warned about.
 */
export function applyTier(c: ContainerModel): Diagnostic[] {
  const tier = c.settings.security?.tier;
  if (tier === undefined) return [];
  const from = c.origins.get(pathKey(['security', 'tier']));
  const origin: Origin = { file: from?.file ?? c.file, path: from?.path ?? ['security', 'tier'], tier };
  const put = (path: (string | number)[]) => c.origins.set(pathKey(path), origin);
  const out: Diagnostic[] = [];
  const s = c.settings;
  const security: Security = { ...s.security };
  s.security = security;
  if (security.private_users === undefined) {
    security.private_users = 'pick';
    put(['security', 'private_users']);
  }
  if (security.no_new_privileges === undefined) {
    security.no_new_privileges = true;
    put(['security', 'no_new_privileges']);
  }
  const mode = s.network?.mode;
  if (mode === undefined) {
    if (!s.network) put(['network']);
    s.network = { ...s.network, mode: tierNetworkMode };
    put(['network', 'mode']);
  } else if (mode === 'host') {
    const message =
      `security.tier ${tier} asks for an own network, but network.mode is host: the container shares ` +
      "the host's network";
    const hint =
      'Remove network.mode: host (the tier then gives the container a veth pair), or pick another ' + 'private mode.';
    out.push(diagAt(c, 'tier-host-network', message, ['network', 'mode'], { hint }));
  }
  const caps: Capabilities = { ...security.capabilities };
  const added = caps.add ?? [];
  const drop = [...(caps.drop ?? [])];
  if (!security.capabilities) put(['security', 'capabilities']);
  if (!caps.drop) put(['security', 'capabilities', 'drop']);
  for (const cap of tierDrops(tier, s.network?.mode ?? 'host')) {
    if (added.includes(cap as never) || drop.includes(cap as never)) continue;
    put(['security', 'capabilities', 'drop', drop.length]);
    drop.push(cap as never);
  }
  caps.drop = drop;
  security.capabilities = caps;
  if (tier === 'strict') {
    const filter = [...(security.system_call_filter ?? [])];
    if (!security.system_call_filter) put(['security', 'system_call_filter']);
    for (const entry of strictDenials) {
      if (filter.includes(entry as never)) continue;
      put(['security', 'system_call_filter', filter.length]);
      filter.push(entry as never);
    }
    security.system_call_filter = filter;
  }
  return out;
}
