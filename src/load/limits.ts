// What one configuration file may cost. Every file is read, parsed and checked within these bounds, whatever
// it holds, so that one hostile or broken file can never use up the time or memory that the others (and the
// boot-time generator's time limit) need. The fast path, the full parse and the reader apply these same numbers.

/** Bytes of one file: a container file is a few KiB; this is far above any real one. */
export const MAX_FILE_BYTES = 64 * 1024;

/**
 * Values (scalars, lists and mappings) in one file, counting what every alias expands to: a few short lines of
 * anchors and aliases can otherwise stand for billions of values.
 */
export const MAX_VALUES = 20_000;

/** Nesting of lists and mappings. */
export const MAX_DEPTH = 64;

/** Diagnostics reported for one file; the rest are counted in one last diagnostic. */
export const MAX_FILE_DIAGNOSTICS = 50;

/** YAML syntax errors reported for one file (the first usually explains the ones after it). */
export const MAX_SYNTAX_ERRORS = 10;

/** "128 KiB", for messages. */
export const sizeText = (bytes: number) => (bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`);
