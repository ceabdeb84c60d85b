// `machinist gc` in words: each path, what it holds, and whether it went.
import type { GcItem } from '../emit/gc.js';

export function renderGc(items: readonly GcItem[], dryRun: boolean): string {
  const out: string[] = [];
  for (const i of items) {
    if (i.kept !== undefined) out.push(`keep    ${i.path}: ${i.why}, but ${i.kept}`);
    else out.push(`${dryRun ? 'would remove' : 'removed'} ${i.path}: ${i.why}`);
  }
  const gone = items.filter((i) => i.kept === undefined).length;
  const what = dryRun ? 'would be removed (dry run: nothing deleted)' : 'removed';
  out.push(gone ? `${gone} unused path(s) ${what}.` : 'Nothing to remove.');
  return out.join('\n');
}
