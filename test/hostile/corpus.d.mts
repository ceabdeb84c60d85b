export interface Expected {
  code: string;
  line?: number;
  col?: number;
}
export interface CorpusFile {
  name: string;
  bytes: Buffer;
  expect: Expected[];
}
export const MAX_FILE_BYTES: number;
export function malformedCorpus(): CorpusFile[];
export const trivialFile: CorpusFile;
