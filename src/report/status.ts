// `machinist status` for people (an aligned table, colour only on a terminal) and for tools (stable JSON,
// documented in the README: "machinist status").
export interface StatusRow {
  /** The host read with -H, or null for this host. */
  host: string | null;
  name: string;
  unit: string;
  /** Whether a YAML file defines it (null: unknown, on another host). */
  in_yaml: boolean | null;
  /** systemd's ActiveState and SubState; "unreachable" for a host that could not be read. */
  state: string;
  sub_state: string;
  /** machined's State (running, opening, closing) and leader PID; null when machined does not know it. */
  machine_state: string | null;
  leader: number | null;
  addresses: string[];
  /** Bytes; null when systemd reports none (no limit, no accounting). */
  memory_current: number | null;
  memory_max: number | null;
  /** CPU time used, nanoseconds. */
  cpu_ns: number | null;
  tasks: number | null;
  /** Pulled in by machines.target (an autostart link). */
  autostart: boolean;
  /** What differs between the YAML, the files and what runs; empty when nothing does. */
  drift: string[];
  /** Why the host could not be read. */
  error: string | null;
}

const size = (n: number | null) => {
  if (n === null) return '-';
  const units = ['B', 'K', 'M', 'G', 'T'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 || i === 0 ? Math.round(v) : v.toFixed(1)}${units[i]}`;
};

const cpu = (ns: number | null) => (ns === null ? '-' : `${(ns / 1e9).toFixed(ns < 1e10 ? 2 : 0)}s`);

function cells(r: StatusRow, withHost: boolean): string[] {
  const row = [
    r.name,
    r.error ? 'unreachable' : `${r.state}/${r.sub_state}`,
    r.machine_state ?? '-',
    r.leader === null ? '-' : String(r.leader),
    r.addresses.join(',') || '-',
    `${size(r.memory_current)}/${size(r.memory_max)}`,
    cpu(r.cpu_ns),
    r.tasks === null ? '-' : String(r.tasks),
    r.autostart ? 'yes' : 'no',
    r.error ?? (r.drift.join('; ') || '-'),
  ];
  return withHost ? [r.host ?? '-', ...row] : row;
}

export function renderStatus(rows: readonly StatusRow[], color: boolean): string {
  const withHost = rows.some((r) => r.host !== null);
  const head = ['NAME', 'STATE', 'MACHINE', 'LEADER', 'ADDRESSES', 'MEMORY', 'CPU', 'TASKS', 'AUTOSTART', 'DRIFT'];
  const table = [withHost ? ['HOST', ...head] : head, ...rows.map((r) => cells(r, withHost))];
  if (rows.length === 0) return 'No containers: none in the YAML, and no machine@ unit runs.';
  const widths = table[0]!.map((_, i) => Math.max(...table.map((t) => t[i]!.length)));
  const paint = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  return table
    .map((t, line) => {
      const r = rows[line - 1];
      const padded = t.map((c, i) => (i === t.length - 1 ? c : c.padEnd(widths[i]!)));
      if (!r || !color) return padded.join('  ').trimEnd();
      const stateAt = withHost ? 2 : 1;
      const code = r.error || r.state === 'failed' ? '31' : r.state === 'active' ? '32' : '0';
      padded[stateAt] = paint(code, padded[stateAt]!);
      if (r.drift.length) padded[padded.length - 1] = paint('33', padded[padded.length - 1]!);
      return padded.join('  ').trimEnd();
    })
    .join('\n');
}

/** The JSON of `machinist status --format json`: { rows: [...] } with the fields of StatusRow. */
export const statusJSON = (rows: readonly StatusRow[]): object => ({ rows });
