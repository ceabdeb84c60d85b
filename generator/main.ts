// machinist-generator: placeholder until the generator lands (it runs the same pipeline at boot).
process.stderr.write('machinist-generator: not implemented yet\n');
process.exitCode = 0;
