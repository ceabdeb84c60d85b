// A module loaded on first use, so that a run that never needs it never evaluates it: the full YAML parse (the
// YAML library) in load/, the zod schemas that word validation errors in schema/. A valid configuration needs
// neither (load/fast-yaml.ts and schema/accept.generated.ts do its work), and evaluating them is much of what a
// generator run would otherwise spend before doing anything.
//
// `load` is a require() of the module. In the bundles (CommonJS, made by esbuild) that is the module's lazy
// initialiser, run on the first call and never before. ES modules cannot load a module synchronously, so where
// machinist runs as ES modules (the test runner: see test/helpers/esm-modules.ts) the module is imported
// beforehand and handed over with `provide`.
export interface Lazy<T> {
  (): T;
  /** Use `m` rather than loading it: for hosts that run machinist as ES modules and import `m` first. */
  provide(m: T): void;
}

export function lazy<T>(load: () => T): Lazy<T> {
  let module: T | undefined;
  const get = (() => (module ??= load())) as Lazy<T>;
  get.provide = (m: T) => {
    module = m;
  };
  return get;
}
