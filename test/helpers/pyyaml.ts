// PyYAML, the YAML reader of cloud-init, as an oracle for the seeds machinist writes (where python3 has it).
import { spawnSync } from 'node:child_process';

/**
 * What PyYAML (cloud-init's reader) makes of YAML texts: each as JSON, or its error as { error }; undefined where
 * python3 or PyYAML is missing.
 */
export function pyYaml(texts: string[]): unknown[] | undefined {
  const script =
    'import sys, json\n' +
    'try:\n  import yaml\nexcept ImportError:\n  sys.exit(3)\n' +
    'def load(d):\n' +
    '  try:\n    return yaml.safe_load(d)\n' +
    '  except Exception as e:\n    return {"error": str(e)}\n' +
    'print(json.dumps([load(d) for d in json.load(sys.stdin)]))\n';
  const r = spawnSync('python3', ['-c', script], { input: JSON.stringify(texts), encoding: 'utf8' });
  if (r.error || r.status === 3) return undefined;
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as unknown[];
}
