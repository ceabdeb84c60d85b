// The capabilities systemd 252 knows by name (its capability_to_name table, built from the kernel's
// linux/capability.h: CAP_CHOWN = 0 … CAP_CHECKPOINT_RESTORE = 40). systemd-nspawn ignores a name it does not
// know ("Failed to parse capability, ignoring"), so a typo in drop: would leave the capability in place: the
// schema refuses it. Regenerate with:
//   strings /usr/lib/x86_64-linux-gnu/systemd/libsystemd-shared-252*.so | grep -E '^cap_[a-z_]+$'
// (minus libcap's function names cap_compare, cap_dup, cap_free, cap_get_*, cap_init, cap_last_cap, cap_set_*).

export const capabilityNames: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

export const capabilitySet: ReadonlySet<string> = new Set(capabilityNames);
