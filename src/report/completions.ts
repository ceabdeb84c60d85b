// Shell completions (bash, zsh, fish), made from the same commander definition as --help, so a new command, flag
// or choice reaches all three at once. `make install` writes them at install time. Besides commands and flags
// they complete flag values (choices, directories, hosts) and container names: the stems of the configuration's
// containers/*.yaml files, in the config directory the line names with --config, else $MACHINIST_CONFIG_DIR,
// else the default one.
import type { Argument, Command, Option } from 'commander';
import { CONFIG_EXTENSIONS, DEFAULT_CONFIG_DIR } from '../load/read.js';

/** What a flag or argument takes: fixed values, a directory, a [user@]host, a container name, anything, nothing. */
type Values = string[] | 'dir' | 'host' | 'container' | 'any' | 'none';

interface Flag {
  long: string;
  short?: string;
  help: string;
  values: Values;
  /** Given more than once (its default is a list, as for -H). */
  repeatable: boolean;
}

interface Positional {
  values: Values;
  /** The last argument, taking any number of words. */
  many: boolean;
}

export interface Cmd {
  name: string;
  help: string;
  /** As --help shows it: [options] [names...]. */
  usage: string;
  flags: Flag[];
  args: Positional[];
}

/** Arguments named so are machine names (status [names...], explain <name>). */
const CONTAINER_ARGUMENTS = new Set(['name', 'names']);

function flagOf(o: Option): Flag {
  const takesValue = o.required || o.optional;
  const kind = !takesValue ? 'none' : /<dir>/.test(o.flags) ? 'dir' : /host>/.test(o.flags) ? 'host' : 'any';
  return {
    long: o.long ?? '',
    short: o.short,
    help: o.description,
    values: o.argChoices ?? kind,
    repeatable: Array.isArray(o.defaultValue),
  };
}

/** What an argument takes: its choices, a machine name, a command name (`help [command]`), or anything. */
const positionalOf = (a: Argument, commands: string[]): Positional => ({
  values: a.argChoices ?? (CONTAINER_ARGUMENTS.has(a.name()) ? 'container' : a.name() === 'command' ? commands : 'any'),
  many: a.variadic,
});

/** The CLI as the completions see it: the top level (name '') and every command, `help` last. */
export function cliModel(p: Command): { top: Cmd; cmds: Cmd[] } {
  const commands = p.createHelp().visibleCommands(p);
  const names = commands.map((c) => c.name()).filter((n) => n !== 'help');
  const cmd = (c: Command, name: string): Cmd => ({
    name,
    help: c.description(),
    usage: c.usage(),
    flags: c.createHelp().visibleOptions(c).map(flagOf),
    args: c.registeredArguments.map((a) => positionalOf(a, names)),
  });
  return { top: cmd(p, ''), cmds: commands.map((c) => cmd(c, c.name())) };
}

const namesOf = (f: Flag) => [f.short, f.long].filter((n): n is string => Boolean(n));
const takesValue = (f: Flag) => f.values !== 'none';
const quoted = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

// bash

const bashValues = (v: Values) =>
  Array.isArray(v)
    ? `COMPREPLY=($(compgen -W ${quoted(v.join(' '))} -- "$cur"))`
    : v === 'dir'
      ? 'compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur"))'
      : v === 'host'
        ? 'COMPREPLY=($(compgen -A hostname -- "$cur"))'
        : v === 'container'
          ? '_machinist_containers "$cur"'
          : ':';

const bashHelpers = (): string[] => [
  '# Container names: the stems of CONFIG/containers/*.yaml (and .yml), CONFIG from --config on the line, else',
  `# $MACHINIST_CONFIG_DIR, else ${DEFAULT_CONFIG_DIR}.`,
  '_machinist_containers() {',
  `  local dir="\${MACHINIST_CONFIG_DIR:-${DEFAULT_CONFIG_DIR}}" i f ext names=()`,
  '  for ((i = 2; i < COMP_CWORD; i++)); do',
  '    case "${COMP_WORDS[i]}" in -c|--config) dir="${COMP_WORDS[i+1]}" ;; esac',
  '    [ "$dir" = = ] && dir="${COMP_WORDS[i+2]}" # --config=DIR: bash splits the word at "="',
  '  done',
  '  dir="${dir/#\\~/$HOME}"',
  `  for ext in ${CONFIG_EXTENSIONS.join(' ')}; do`,
  '    for f in "$dir"/containers/*"$ext"; do',
  '      [ -f "$f" ] && f="${f##*/}" && names+=("${f%"$ext"}")',
  '    done',
  '  done',
  '  for f in "${names[@]}"; do # not those already on the line',
  '    for ((i = 2; i < COMP_CWORD; i++)); do [ "${COMP_WORDS[i]}" = "$f" ] && continue 2; done',
  '    COMPREPLY+=($(compgen -W "$f" -- "$1"))',
  '  done',
  '}',
  '# How many arguments follow the command before the cursor; "$@" are the flags that take a value.',
  '_machinist_args() {',
  '  local i n=0 skip=',
  '  for ((i = 2; i < COMP_CWORD; i++)); do',
  '    case "${COMP_WORDS[i]}" in =|@) skip=1; continue ;; esac # --flag=VALUE, USER@HOST: split words',
  '    if [ -n "$skip" ]; then skip=; continue; fi',
  '    case " $* " in *" ${COMP_WORDS[i]} "*) skip=1; continue ;; esac',
  '    case "${COMP_WORDS[i]}" in -*) ;; *) n=$((n + 1)) ;; esac',
  '  done',
  '  echo "$n"',
  '}',
];

function bashCommand(c: Cmd): string[] {
  const valued = c.flags.filter(takesValue);
  const out = [`    ${c.name})`, '      case "$prev" in'];
  for (const f of valued) out.push(`        ${namesOf(f).join('|')}) ${bashValues(f.values)}; return ;;`);
  out.push('      esac');
  const all = c.flags.flatMap(namesOf).join(' ');
  out.push(`      case "$cur" in -*) COMPREPLY=($(compgen -W ${quoted(all)} -- "$cur")); return ;; esac`);
  if (c.args.length > 0) {
    out.push(`      case "$(_machinist_args ${valued.flatMap(namesOf).join(' ')})" in`);
    c.args.forEach((a, i) => out.push(`        ${a.many ? '*' : i}) ${bashValues(a.values)} ;;`));
    out.push('      esac');
  }
  out.push('      ;;');
  return out;
}

export function bashCompletion(p: Command): string {
  const { top, cmds } = cliModel(p);
  const names = cmds.map((c) => c.name).join(' ');
  const flags = top.flags.flatMap(namesOf).join(' ');
  return [
    '# bash completion for machinist (generated by machinist completions bash)',
    ...bashHelpers(),
    '_machinist() {',
    '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}" back=1',
    '  COMPREPLY=()',
    '  # bash splits --format=json and -H user@host at "=" and "@" (COMP_WORDBREAKS) and completes the part after',
    '  # the sign: prev is then the flag before it.',
    '  case "$cur" in =|@) cur= back=0 ;; esac',
    '  case "${COMP_WORDS[COMP_CWORD-back]}" in =) back=$((back + 1)) ;; @) back=$((back + 2)) ;; esac',
    '  [ "$back" -gt 1 ] && prev="${COMP_WORDS[COMP_CWORD-back]}"',
    '  if [ "$COMP_CWORD" -eq 1 ]; then',
    `    case "$cur" in -*) COMPREPLY=($(compgen -W ${quoted(flags)} -- "$cur")) ;;`,
    `      *) COMPREPLY=($(compgen -W ${quoted(names)} -- "$cur")) ;; esac`,
    '    return',
    '  fi',
    '  case "${COMP_WORDS[1]}" in',
    ...cmds.flatMap(bashCommand),
    '  esac',
    '}',
    'complete -F _machinist machinist',
    '',
  ].join('\n');
}

// zsh

/** A description inside an _arguments spec: brackets and colons are its syntax. */
const zshText = (s: string) => s.replace(/[[\]:\\]/g, (m) => `\\${m}`);

const zshAction = (v: Values) =>
  Array.isArray(v)
    ? `(${v.join(' ')})`
    : v === 'dir'
      ? '_files -/'
      : v === 'host'
        ? '_machinist_hosts'
        : v === 'container'
          ? '_machinist_containers'
          : ' ';

function zshFlag(f: Flag): string {
  const value = takesValue(f) ? `:${f.long.replace(/^--/, '')}:${zshAction(f.values)}` : '';
  const help = `[${zshText(f.help)}]${value}`;
  // Long flags with a value take it as the next word or after "=", short ones also right after the letter.
  const spell = (n: string) => (!takesValue(f) ? n : n.startsWith('--') ? `${n}=` : `${n}+`);
  const names = namesOf(f);
  const only = f.long === '--help' || f.long === '--version';
  const exclusion = only ? '(- *)' : f.repeatable ? '*' : names.length > 1 ? `(${names.join(' ')})` : '';
  if (names.length === 1) return quoted(`${exclusion}${spell(names[0]!)}${help}`);
  return `${quoted(exclusion)}{${names.map(spell).join(',')}}${quoted(help)}`;
}

function zshCommand(c: Cmd): string {
  const specs = c.flags.map(zshFlag);
  for (const a of c.args)
    specs.push(
      quoted(`${a.many ? '*' : ''}:${a.values === 'container' ? 'container' : 'argument'}:${zshAction(a.values)}`),
    );
  return [
    `_machinist_${c.name}() {`,
    '  _arguments -s -S \\',
    ...specs.map((s, i) => `    ${s}${i < specs.length - 1 ? ' \\' : ''}`),
    '}',
  ].join('\n');
}

export function zshCompletion(p: Command): string {
  const { top, cmds } = cliModel(p);
  const exts = CONFIG_EXTENSIONS.join('|');
  return [
    '#compdef machinist',
    '# zsh completion for machinist (generated by machinist completions zsh)',
    '# Container names: the stems of CONFIG/containers/*.yaml (and .yml), CONFIG from --config on the line, else',
    `# $MACHINIST_CONFIG_DIR, else ${DEFAULT_CONFIG_DIR}.`,
    '_machinist_containers() {',
    `  local dir=\${opt_args[--config]:-\${opt_args[-c]:-\${MACHINIST_CONFIG_DIR:-${DEFAULT_CONFIG_DIR}}}}`,
    '  dir=${(Q)dir}; dir=${dir/#\\~/$HOME}',
    `  local -a names=( $dir/containers/*(${exts})(N-.:t) )`,
    `  names=( \${names%(${exts})} )`,
    '  local -a given=( ${words[1,CURRENT-1]} ${words[CURRENT+1,-1]} )',
    '  names=( ${names:|given} ) # not those already on the line',
    '  _describe -t containers container names',
    '}',
    '# Host names (zsh\'s own list: /etc/hosts, ssh\'s known_hosts), after a "user@" if one is typed.',
    "_machinist_hosts() { compset -P '*@'; _hosts; }",
    ...cmds.map(zshCommand),
    '_machinist() {',
    '  local curcontext=$curcontext state line',
    '  typeset -A opt_args',
    `  local -a commands=( ${cmds.map((c) => quoted(`${c.name}:${c.help.replace(/:/g, '\\:')}`)).join(' ')} )`,
    '  _arguments -C \\',
    ...top.flags.map((f) => `    ${zshFlag(f)} \\`),
    "    ':command:->command' \\",
    "    '*::argument:->argument'",
    '  case $state in',
    "    command) _describe -t commands 'machinist command' commands ;;",
    '    argument)',
    '      curcontext=${curcontext%:*:*}:machinist-$words[1]: # zstyle contexts name the command',
    '      (( $+functions[_machinist_$words[1]] )) && _machinist_$words[1] ;;',
    '  esac',
    '}',
    '_machinist "$@"',
    '',
  ].join('\n');
}

// fish

const fishValues = (v: Values) =>
  Array.isArray(v)
    ? `-a ${quoted(v.join(' '))}`
    : v === 'dir'
      ? `-a '(__fish_complete_directories (commandline -ct))'`
      : v === 'host'
        ? `-a '(__fish_complete_user_at_hosts)'`
        : v === 'container'
          ? `-a '(__machinist_containers)'`
          : '';

const fishHelpers = (): string[] => [
  '# Container names: the stems of CONFIG/containers/*.yaml (and .yml), CONFIG from --config on the line, else',
  `# $MACHINIST_CONFIG_DIR, else ${DEFAULT_CONFIG_DIR}.`,
  'function __machinist_containers',
  '    set -l dir $MACHINIST_CONFIG_DIR',
  `    test -n "$dir"; or set dir ${DEFAULT_CONFIG_DIR}`,
  '    set -l words (commandline -opc)',
  '    for i in (seq 2 (count $words))',
  '        contains -- $words[$i] -c --config; and set dir $words[(math $i + 1)]',
  "        string match -q -- '--config=*' $words[$i]; and set dir (string replace -- --config= '' $words[$i])",
  '    end',
  "    set dir (string replace -r -- '^~' $HOME $dir)",
  `    for f in ${CONFIG_EXTENSIONS.map((e) => `$dir/containers/*${e}`).join(' ')}`,
  `        test -f $f; or continue`,
  `        set -l name (string replace -ra -- '^.*/|(${CONFIG_EXTENSIONS.map((e) => `\\${e}`).join('|')})$' '' $f)`,
  '        contains -- $name $words[2..-1]; or echo $name # not those already on the line',
  '    end',
  'end',
  '# Whether the command on the line (its second word) is $argv[1].',
  'function __machinist_command',
  '    set -l words (commandline -opc)',
  '    test (count $words) -ge 2; and test "$words[2]" = $argv[1]',
  'end',
  '# How many arguments follow the command before the cursor; $argv are the flags that take a value.',
  'function __machinist_args',
  '    set -l words (commandline -opc)',
  '    set -l n 0',
  '    set -l skip 0',
  '    for i in (seq 3 (count $words))',
  '        if test $skip = 1',
  '            set skip 0',
  '        else if contains -- $words[$i] $argv',
  '            set skip 1',
  "        else if not string match -q -- '-*' $words[$i]",
  '            set n (math $n + 1)',
  '        end',
  '    end',
  '    echo $n',
  'end',
];

function fishFlag(f: Flag, when: string): string {
  const parts = [`complete -c machinist -n ${quoted(when)}`, `-l ${f.long.replace(/^--/, '')}`];
  if (f.short) parts.push(`-s ${f.short.replace(/^-/, '')}`);
  if (takesValue(f)) parts.push('-x', fishValues(f.values));
  parts.push(`-d ${quoted(f.help)}`);
  return parts.filter(Boolean).join(' ');
}

function fishCommand(c: Cmd): string[] {
  const when = `__machinist_command ${c.name}`;
  const out = c.flags.map((f) => fishFlag(f, when));
  const valued = c.flags.filter(takesValue).flatMap(namesOf).join(' ');
  c.args.forEach((a, i) => {
    const position = a.many ? `-ge ${i}` : `= ${i}`;
    const test = `${when}; and test (__machinist_args ${valued}) ${position}`;
    out.push(`complete -c machinist -n ${quoted(test)} ${fishValues(a.values)}`);
  });
  return out;
}

export function fishCompletion(p: Command): string {
  const { top, cmds } = cliModel(p);
  const out = [
    '# fish completion for machinist (generated by machinist completions fish)',
    'complete -c machinist -f',
    ...fishHelpers(),
  ];
  for (const c of cmds) {
    out.push(`complete -c machinist -n __fish_use_subcommand -a ${c.name} -d ${quoted(c.help)}`);
  }
  out.push(...top.flags.map((f) => fishFlag(f, '__fish_use_subcommand')));
  out.push(...cmds.flatMap(fishCommand));
  return `${out.join('\n')}\n`;
}
