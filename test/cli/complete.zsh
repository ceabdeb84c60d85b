# Types command lines and asks the real shell to complete each, on a pseudo-terminal (zsh's zpty), as a user at an
# interactive prompt would; prints the words the shell offers, one a line, and a line <<end>> after each command
# line.
#
#   zsh -f complete.zsh zsh  DIR  'machinist status --format ' 'machinist st' ...   (DIR holds _machinist)
#   zsh -f complete.zsh bash FILE 'machinist status --format ' ...                   (FILE is the bash completion)
#
# zsh: its whole completion system (compinit, _arguments, _describe, _files) runs on TAB; compadd is wrapped to
# record what each call adds after zsh's own matching against the word under the cursor, and still adds it.
# bash: readline's possible-completions (M-?) lists the matches of the function `complete -F` registered, one a
# line (completion-display-width 0), with bash's own word splitting (COMP_WORDBREAKS).
# Exits 3 without zsh/zpty, 4 when the shell does not finish within the time limit.
zmodload zsh/zpty zsh/zselect || exit 3
shell=$1 file=$2
shift 2
out=$(mktemp) init=$(mktemp)
# Markers are written split in two ('<<do''ne>>') so that the typed command itself never contains them.
if [[ $shell == zsh ]]; then
  cat > $init <<INIT
PS1= PROMPT= RPROMPT=
fpath=(${(q)file} \$fpath)
autoload -Uz compinit && compinit -u -D
zstyle ':completion:*' insert-tab false
# TAB: complete-word through compsys, which then calls _record_done (comppostfuncs is emptied after each use).
_record_complete() { comppostfuncs=(_record_done); _main_complete "\$@"; }
zle -C record-complete complete-word _record_complete
bindkey '^I' record-complete
compadd() {
  # Calls that only ask for matches (-O, -A, -D) are compsys's own bookkeeping.
  if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "\$@"; return; fi
  local -a __hits
  builtin compadd -O __hits "\$@"
  # As the line would read: with the part of the word compsys set aside (IPREFIX: "--format=", "user@").
  (( \$#__hits )) && print -rl -- "\$IPREFIX\${^__hits[@]}" >> ${(q)out}
  builtin compadd "\$@"
}
_record_done() { print -r -- '<<do''ne>>' >> ${(q)out}; }
print -r -- '<<rea''dy>>' >> ${(q)out}
INIT
else
  cat > $init <<INIT
PS1=
bind 'set completion-display-width 0'
bind 'set completion-query-items -1'
bind 'set page-completions off'
bind 'set enable-bracketed-paste off'
source ${(q)file}
echo '<<rea''dy>>' >> ${(q)out}
INIT
fi

# The shell, on a new terminal, with the setup above.
start() {
  if [[ $shell == zsh ]]; then zpty z zsh -f -i; else zpty z bash --norc --noprofile -i; fi
  zpty -w z "source ${(q)init}"
  await ready
}

# The terminal's output (bash's listing); read all along so that the shell never blocks on a full terminal.
screen=
# Waits until the marker $1 shows in $out (zsh) or on the terminal (bash).
await() {
  integer i
  for (( i = 0; i < 600; i++ )); do
    while zpty -r -t z chunk; do screen+=$chunk; done
    [[ $(<$out) == *"<<$1>>"* || $screen == *"<<$1>>"* ]] && return 0
    zselect -t 5
  done
  print -u2 "complete.zsh: $shell did not get to <<$1>> within 30 seconds"
  zpty -d z
  rm -f $out $init
  exit 4
}

# zsh: one session for all lines. bash: one per line, as after a completion without matches readline does not list
# the next line's single match.
[[ $shell == zsh ]] && start
for line in "$@"; do
  : > $out
  screen=
  if [[ $shell == zsh ]]; then
    zpty -w -n z "$line"$'\t'
    await done
    print -rl -- ${${(f)"$(<$out)"}:#<<*>>}
    zpty -w -n z $'\C-u'
  else
    start
    screen=
    zpty -w -n z "$line"$'\e?\C-u'"echo '<<do''ne>>'"$'\n'
    await done
    print -rl -- ${${(f)${screen%%<<done>>*}//$'\r'}}
    zpty -d z
  fi
  print -r -- '<<end>>'
done
[[ $shell == zsh ]] && zpty -d z
rm -f $out $init
