// Which file names can become machine, profile and slice names, and what to write instead: one table for
// the message and its hint, so that both always say the same.
import type { Kind } from '../load/read.js';
import { hostnamePattern, profileNamePattern, sliceNameProblem } from './rules.js';

interface NameRule {
  problem: (name: string) => string | undefined;
  hint: string;
}

const machine =
  'a machine name: a valid host name, letters, digits and "-" in dot-separated labels that neither start nor end with "-", at most 64 characters';
const profile =
  'a profile name: letters, digits, "-", "_" and ".", starting with a letter or digit, at most 64 characters';

const rules: Partial<Record<Kind, NameRule>> = {
  container: {
    problem: (n) => (hostnamePattern.test(n) ? undefined : `is not ${machine}`),
    hint: 'Rename the file so its name is a host name, e.g. containers/web-01.yaml (no "_", no leading or trailing "-").',
  },
  profile: {
    problem: (n) => (profileNamePattern.test(n) ? undefined : `is not ${profile}`),
    hint: 'Rename the file, e.g. profiles/hardened.yaml: letters, digits, "-", "_" and ".", at most 64 characters.',
  },
  image: {
    problem: (n) =>
      hostnamePattern.test(n)
        ? undefined
        : 'is not an image name: letters, digits and "-" in dot-separated labels, at most 64 characters',
    hint: 'Rename the file, e.g. images/debian-12.yaml (no "_", no leading or trailing "-").',
  },
  pod: {
    problem: (n) => (hostnamePattern.test(n) ? undefined : `is not ${machine.replace('a machine name', 'a pod name')}`),
    hint: 'Rename the file so its name is a host name, e.g. pods/frontend.yaml (it names /run/netns/NAME and units).',
  },
  'cloud-init': {
    problem: (n) =>
      profileNamePattern.test(n) ? undefined : `is not ${profile.replace('a profile name', 'a template name')}`,
    hint: 'Rename the file, e.g. cloud-init/base.yaml: letters, digits, "-", "_" and ".", at most 64 characters.',
  },
  slice: {
    problem: sliceNameProblem,
    hint: 'Rename the file, e.g. slices/web.yaml or slices/web-batch.yaml (a child of web): letters, digits and "_", single "-" between levels.',
  },
};

/** Why a file's stem cannot name what its folder holds, and what to write instead; undefined when it can. */
export function fileNameProblem(kind: Kind, name: string): { message: string; hint: string } | undefined {
  const rule = rules[kind];
  const problem = rule?.problem(name);
  return problem === undefined ? undefined : { message: problem, hint: rule!.hint };
}
