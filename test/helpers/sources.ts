// Build in-memory configurations for stage tests: { 'containers/web.yaml': '…' } → SourceFile[].
import type { Kind, SourceFile } from '../../src/load/read.js';
import { build } from '../../src/pipeline.js';
import { iniOf } from '../../src/translate/output.js';

const kinds: Record<string, Kind> = {
  containers: 'container',
  profiles: 'profile',
  slices: 'slice',
  images: 'image',
  pods: 'pod',
  'cloud-init': 'cloud-init',
};

export function sources(files: Record<string, string>, dir = '/etc/machinist'): SourceFile[] {
  return Object.entries(files).map(([rel, text]) => {
    const [folder, base] = rel.includes('/') ? (rel.split('/') as [string, string]) : ['', rel];
    const kind: Kind = folder ? kinds[folder]! : 'settings';
    return { kind, name: base.replace(/\.ya?ml$/, ''), rel, file: `${dir}/${rel}`, text };
  });
}

export const buildFrom = (files: Record<string, string>) => build(sources(files));

/** The rendered text of one output by its relative path, for assertions. */
export function outputText(b: ReturnType<typeof build>, rel: string): string {
  const o = b.outputs.find((x) => x.rel === rel);
  if (!o || o.kind !== 'file') throw new Error(`no file output ${rel}; have ${b.outputs.map((x) => x.rel).join(', ')}`);
  return iniOf(o.doc)
    .sections.map((s) => `[${s.name}]\n${s.entries.map((e) => `${e.key}=${e.value}`).join('\n')}`)
    .join('\n');
}
