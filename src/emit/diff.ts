// Unified diff of two small text files (generated units are well under 500 lines), for `compile --dry-run`.
// Output follows GNU `diff -u`: `--- old` / `+++ new` headers (no timestamps), `@@ -l,s +l,s @@` hunks with
// `context` lines around each change, changes closer than 2*context lines share a hunk, removed lines come
// before added ones, and a last line without a newline is followed by `\ No newline at end of file`.

type Op = { kind: ' ' | '-' | '+'; line: string };

/**
 * The most memory the edit script may take, in frontier entries (4 bytes each): 64 MB. Myers keeps one frontier
 * of (lines of both files) entries per edit, so two big files that differ a lot (20,000 environment lines)
 * would otherwise need gigabytes. Past it, a change is summarised instead (see fileDiff).
 */
const MAX_TRACE = 1 << 24;

/** Lines with their terminator kept, so `x` (no newline) and `x\n` compare as different lines. */
function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/**
 * Shortest edit script by Myers' O(ND) algorithm, after trimming the common prefix and suffix
 * (as GNU diff does, which also keeps the result close to GNU's choice where several are minimal).
 */
function editScript(a: string[], b: string[]): Op[] | undefined {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }

  const head: Op[] = a.slice(0, start).map((line) => ({ kind: ' ', line }));
  const tail: Op[] = a.slice(endA).map((line) => ({ kind: ' ', line }));
  const x = a.slice(start, endA);
  const y = b.slice(start, endB);
  // One side empty (a file created or removed): every line is an addition or a removal, no search needed.
  const oneSided = x.length === 0 || y.length === 0;
  const middle = oneSided
    ? [...x.map((line): Op => ({ kind: '-', line })), ...y.map((line): Op => ({ kind: '+', line }))]
    : myers(x, y);
  return middle && [...head, ...middle, ...tail];
}

/** The edit script, or undefined when finding it would take more than MAX_TRACE entries. */
function myers(a: string[], b: string[]): Op[] | undefined {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];

  // Forward pass: v[k] is the furthest x reached on diagonal k = x - y with d edits.
  let found = false;
  const maxD = Math.floor(MAX_TRACE / v.length);
  for (let d = 0; d <= max && !found; d++) {
    if (d > maxD) return undefined;
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let xPos: number;
      // Step down from diagonal k+1 (an insertion) or right from k-1 (a deletion), whichever reaches further.
      if (k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!)) {
        xPos = v[offset + k + 1]!;
      } else {
        xPos = v[offset + k - 1]! + 1;
      }
      let yPos = xPos - k;
      while (xPos < n && yPos < m && a[xPos] === b[yPos]) {
        xPos++;
        yPos++;
      }
      v[offset + k] = xPos;
      if (xPos >= n && yPos >= m) {
        found = true;
        break;
      }
    }
  }

  // Backtrack from (n, m) through the saved frontiers.
  const ops: Op[] = [];
  let xPos = n;
  let yPos = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const vd = trace[d]!;
    const k = xPos - yPos;
    let prevK: number;
    if (k === -d || (k !== d && vd[offset + k - 1]! < vd[offset + k + 1]!)) prevK = k + 1;
    else prevK = k - 1;
    const prevX = d === 0 ? 0 : vd[offset + prevK]!;
    const prevY = d === 0 ? 0 : prevX - prevK;
    while (xPos > prevX && yPos > prevY) {
      ops.push({ kind: ' ', line: a[--xPos]! });
      yPos--;
    }
    if (d === 0) break;
    if (xPos === prevX) ops.push({ kind: '+', line: b[--yPos]! });
    else ops.push({ kind: '-', line: a[--xPos]! });
  }
  ops.reverse();
  return reorderChanges(ops);
}

/** Within each run of changes, print all removals before all additions, as diff -u does. */
function reorderChanges(ops: Op[]): Op[] {
  const out: Op[] = [];
  let i = 0;
  while (i < ops.length) {
    if (ops[i]!.kind === ' ') {
      out.push(ops[i++]!);
      continue;
    }
    const removed: Op[] = [];
    const added: Op[] = [];
    while (i < ops.length && ops[i]!.kind !== ' ') {
      (ops[i]!.kind === '-' ? removed : added).push(ops[i]!);
      i++;
    }
    out.push(...removed, ...added);
  }
  return out;
}

/** `start,count` as diff -u writes it: an empty range names the line before it, a count of 1 is left out. */
function range(start: number, count: number): string {
  if (count === 0) return `${start - 1},0`;
  if (count === 1) return `${start}`;
  return `${start},${count}`;
}

function renderLine(op: Op): string {
  if (op.line.endsWith('\n')) return op.kind + op.line;
  return `${op.kind}${op.line}\n\\ No newline at end of file\n`;
}

/**
 * The unified diff of a file machinist writes, or, when the two texts are too different to diff in bounded
 * memory, one line that says so with their sizes.
 */
export function fileDiff(oldText: string, newText: string, oldLabel: string, newLabel: string): string {
  return unifiedDiff(oldText, newText, oldLabel, newLabel) ?? summary(oldText, newText, oldLabel, newLabel);
}

const lineCount = (text: string) => splitLines(text).length;
const summary = (oldText: string, newText: string, oldLabel: string, newLabel: string) =>
  `--- ${oldLabel}\n+++ ${newLabel}\n` +
  `(file changed: ${lineCount(oldText)} lines -> ${lineCount(newText)} lines; too different to show line by line)\n`;

/** The unified diff, or undefined when it would take more than the memory bound (see MAX_TRACE). */
export function unifiedDiff(
  oldText: string,
  newText: string,
  oldLabel: string,
  newLabel: string,
  context = 3,
): string | undefined {
  if (oldText === newText) return '';
  const ops = editScript(splitLines(oldText), splitLines(newText));
  if (!ops) return undefined;

  // Indices of changed ops, grouped into hunks: a gap of at most 2*context unchanged lines joins two changes.
  const changed: number[] = [];
  ops.forEach((op, i) => {
    if (op.kind !== ' ') changed.push(i);
  });
  const groups: Array<[number, number]> = [];
  for (const i of changed) {
    const last = groups[groups.length - 1];
    if (last && i - last[1] - 1 <= 2 * context) last[1] = i;
    else groups.push([i, i]);
  }

  // Line numbers (1-based) of each op in the old and new file.
  const oldLine: number[] = [];
  const newLine: number[] = [];
  let o = 1;
  let n = 1;
  for (const op of ops) {
    oldLine.push(o);
    newLine.push(n);
    if (op.kind !== '+') o++;
    if (op.kind !== '-') n++;
  }

  let out = `--- ${oldLabel}\n+++ ${newLabel}\n`;
  for (const [first, last] of groups) {
    const from = Math.max(0, first - context);
    const to = Math.min(ops.length - 1, last + context);
    const slice = ops.slice(from, to + 1);
    const oldCount = slice.filter((op) => op.kind !== '+').length;
    const newCount = slice.filter((op) => op.kind !== '-').length;
    // The start line of a range is where it would begin, even when the hunk opens with additions only.
    const oldStart = oldLine[from]!;
    const newStart = newLine[from]!;
    out += `@@ -${range(oldStart, oldCount)} +${range(newStart, newCount)} @@\n`;
    out += slice.map(renderLine).join('');
  }
  return out;
}
