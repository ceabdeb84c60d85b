// The malformed corpus: container files a careless admin or an attacker could write, each with the
// diagnostics it must produce. Small ones are files in corpus/ (their "# expect: CODE LINE:COL" lines say what
// they must produce); big ones are made here, at the size limits. Used by test/hostile/parse.test.ts and by
// bench/malformed.mjs, which measures what each costs.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('./corpus', import.meta.url));
/** The limit of src/load/limits.ts (MAX_FILE_BYTES), restated for making files at and beyond it. */
export const MAX_FILE_BYTES = 64 * 1024;

/** "# expect: CODE LINE:COL" (or "LINE:" for any column) lines → expected diagnostics. */
function expectations(text) {
  return [...text.matchAll(/^# expect: ([a-z-]+)(?: (\d+):(\d*))?$/gm)].map((m) => ({
    code: m[1],
    ...(m[2] ? { line: Number(m[2]) } : {}),
    ...(m[3] ? { col: Number(m[3]) } : {}),
  }));
}

/** Fills a file up to `bytes` with `unit(i)`, after `head`. */
function filled(head, unit, bytes, tail = '') {
  const parts = [head];
  let size = head.length + tail.length;
  for (let i = 0; size < bytes; i++) {
    const u = unit(i);
    if (size + u.length > bytes) break;
    parts.push(u);
    size += u.length;
  }
  parts.push(tail);
  return parts.join('');
}

const LIMIT = MAX_FILE_BYTES;

/** Files at the limits: { name, bytes, expect } (expect: codes that must all be among the diagnostics). */
function generated() {
  const text = (name, t, expect) => ({ name, bytes: Buffer.from(t), expect });
  const listed = (code, line, col) => [{ code, line, col }, { code: 'too-many-problems' }];
  const deepBlock = Array.from({ length: 300 }, (_, i) => `${' '.repeat(i)}a:`).join('\n');
  return [
    text('too-large.yaml', `description: ${'x'.repeat(LIMIT)}\n`, [{ code: 'file-too-large' }]),
    text(
      'many-unknown-keys.yaml',
      filled('', (i) => `k${i}: 1\n`, LIMIT),
      listed('unknown-key', 1, 1),
    ),
    text(
      'many-values.yaml',
      filled('tmpfs: [/a', () => ',1', LIMIT - 2, ']\n'),
      [{ code: 'file-too-large' }],
    ),
    text(
      'long-flow-list.yaml',
      filled('binds: [/a:/a', () => ', /a:/a', LIMIT - 2, ']\n'),
      [],
    ),
    text(
      'many-syntax-errors.yaml',
      filled('', () => 'a\n:\n', LIMIT),
      [{ code: 'yaml-syntax' }],
    ),
    text(
      'many-comments.yaml',
      filled('boot: true\n', () => '#x\n', LIMIT),
      [],
    ),
    text(
      'many-anchors.yaml',
      filled('', (i) => `k${i}: &a${i} 1\n`, LIMIT),
      listed('unknown-key', 1, 1),
    ),
    text(
      'many-ambiguous-numbers.yaml',
      filled('environment:\n', (i) => `  V${i}: 0${i}\n`, LIMIT),
      listed('ambiguous-value', 2, 7),
    ),
    text(
      'many-escapes.yaml',
      filled('description: "', () => '\\n', LIMIT - 2, '"\n'),
      [],
    ),
    text('deep-block.yaml', `${deepBlock} 1\n`, [{ code: 'file-too-large', line: 66 }]),
    text('deep-flow.yaml', `command: ${'['.repeat(LIMIT / 2 - 8)}${']'.repeat(LIMIT / 2 - 8)}\n`, [
      { code: 'file-too-large' },
    ]),
  ];
}

/** Every corpus file: { name, bytes, expect }. */
export function malformedCorpus() {
  const files = readdirSync(dir)
    .filter((n) => n.endsWith('.yaml'))
    .sort()
    .map((name) => {
      const bytes = readFileSync(join(dir, name));
      return { name, bytes, expect: expectations(bytes.toString('latin1')) };
    });
  return [...files, ...generated()];
}

/** A file that costs nothing, the baseline of the benchmark. */
export const trivialFile = { name: 'trivial.yaml', bytes: Buffer.from('boot: true\n'), expect: [] };
