#!/usr/bin/env python3
"""help2doc.py — makes a command's man page and bash completion from its --help text, the one
source of both (cmake/install.cmake runs it at build time; tests/install/man_in_step.sh checks
the result against --help).

  help2doc.py man CMD_BINARY DESC_FILE VERSION OUT.1
  help2doc.py completion CMD_BINARY OUT

The man page: NAME and the hand-written sections from DESC_FILE (docs/man/NAME.txt), SYNOPSIS
from the Usage: lines, then the rest of --help. In --help text a line at column 0 ending in ':'
is a heading ("Options:" -> OPTIONS, "Examples:" -> EXAMPLES, "Exit status:" -> EXIT STATUS,
others a subsection), an indented line starting with '-' an option (its description runs on
over the lines indented past it), other indented lines are kept as they are laid out, and lines
at column 0 are prose. DESC_FILE: its first line is the one-line summary; then '## SECTION'
lines each start a section (DESCRIPTION is put before the --help text, the others after it),
written as --help text is.
"""
import re
import subprocess
import sys

OPTION = re.compile(r'^( +)(-[-\w].*?)(?: {2,}(\S.*))?$')
TOP_SECTIONS = {'options': 'OPTIONS', 'examples': 'EXAMPLES', 'example': 'EXAMPLES',
                'exit status': 'EXIT STATUS'}


def help_text(binary):
    out = subprocess.run([binary, '--help'], check=True, stdout=subprocess.PIPE, text=True)
    return out.stdout.splitlines()


def esc(s):
    """Text for a roff line: backslashes, hyphens (so options copy as typed), leading dots."""
    s = s.replace('\\', '\\e').replace('-', '\\-')
    return '\\&' + s if s[:1] in ('.', "'") else s


def indent_of(line):
    return len(line) - len(line.lstrip(' '))


def split_usage(lines):
    """The Usage: lines (with their continuation lines) and the rest."""
    usage, rest, in_usage = [], [], False
    for line in lines:
        if line.startswith('Usage:'):
            usage.append(line[len('Usage:'):].strip())
            in_usage = True
        elif in_usage and line.startswith(' ') and line.strip():
            usage.append(line.strip())
        else:
            in_usage = False
            rest.append(line)
    return usage, rest


def render(lines, out, top_level):
    """Appends the roff of help-style text to out. top_level: headings may open .SH sections."""
    i, n = 0, len(lines)
    while i < n:
        line = lines[i].rstrip()
        if not line:
            i += 1
            continue
        nxt = lines[i + 1] if i + 1 < n else ''
        if not line.startswith(' ') and line.endswith(':') and (not nxt.strip() or nxt.startswith(' ')):
            title = line[:-1]
            sh = TOP_SECTIONS.get(title.lower())
            out.append('.SH ' + sh if (sh and top_level) else '.SS "' + esc(title) + '"')
            i += 1
            continue
        m = OPTION.match(line)
        if m:
            col = len(m.group(1))
            desc_col = line.index(m.group(3)) if m.group(3) else None
            desc = [m.group(3)] if m.group(3) else []
            i += 1
            # the description runs on over the lines indented past the option, up to the next
            # option at the option's own column
            while i < n and lines[i].strip() and indent_of(lines[i]) > col:
                cont = lines[i].rstrip()
                if desc_col is None:
                    desc_col = indent_of(cont)
                if indent_of(cont) < desc_col and OPTION.match(cont):
                    break
                desc.append(cont[min(desc_col, indent_of(cont)):])
                i += 1
            out.append('.TP')
            out.append('.B ' + esc(m.group(2)))
            if any(d.startswith(' ') for d in desc):  # a laid-out part: keep all as laid out
                out.append('.nf')
                out.extend(esc(d) for d in desc)
                out.append('.fi')
            else:
                out.extend(esc(d) for d in desc)
            continue
        if line.startswith(' '):
            out.append('.PP')
            out.append('.nf')
            while i < n and lines[i].startswith(' ') and lines[i].strip() and not OPTION.match(lines[i]):
                out.append(esc(lines[i].rstrip()))
                i += 1
            out.append('.fi')
            continue
        out.append('.PP')
        while i < n and lines[i].strip() and not lines[i].startswith(' '):
            out.append(esc(lines[i].rstrip()))
            i += 1


def read_desc(path):
    """The summary line and {SECTION: lines} of a docs/man/NAME.txt file."""
    with open(path) as f:
        lines = f.read().splitlines()
    summary, sections, cur = lines[0].strip(), {}, None
    for line in lines[1:]:
        if line.startswith('## '):
            cur = line[3:].strip().upper()
            sections[cur] = []
        elif cur:
            sections[cur].append(line)
        elif line.strip():
            sys.exit(f'help2doc: {path}: text before the first ## SECTION')
    return summary, sections


def man(binary, desc_path, version, out_path):
    name = binary.rsplit('/', 1)[-1]
    summary, sections = read_desc(desc_path)
    usage, body = split_usage(help_text(binary))
    out = [f'.\\" {name}.1: made by scripts/help2doc.py from {name} --help and docs/man/{name}.txt',
           f'.TH {name.upper()} 1 "" "3PO {version}" "User Commands"',
           '.SH NAME', f'{esc(name)} \\- {esc(summary)}', '.SH SYNOPSIS', '.nf']
    out += [esc(u) for u in usage] + ['.fi', '.SH DESCRIPTION']
    render(sections.pop('DESCRIPTION', []), out, False)
    render(body, out, True)
    see_also = sections.pop('SEE ALSO', None)
    for title, lines in sections.items():
        out.append(f'.SH "{esc(title)}"')
        render(lines, out, False)
    if see_also:
        out.append('.SH "SEE ALSO"')
        render(see_also, out, False)
    with open(out_path, 'w') as f:
        f.write('\n'.join(out) + '\n')


def options(lines):
    """Every option an option line of --help names: -o, --output, --callchain (of --callchain[=N])."""
    found = []
    for line in lines:
        m = OPTION.match(line.rstrip())
        if not m:
            continue
        for opt in re.findall(r'(?<![\w-])(--?[a-zA-Z][\w-]*)', m.group(2)):
            if opt not in found:
                found.append(opt)
    return found


def completion(binary, out_path):
    name = binary.rsplit('/', 1)[-1]
    func = '_tpo_' + re.sub(r'\W', '_', name)
    opts = ' '.join(options(help_text(binary)))
    text = f'''# bash completion for {name}: its options (made by scripts/help2doc.py from {name} --help);
# file names otherwise.
{func}()
{{
	local cur=${{COMP_WORDS[COMP_CWORD]}}
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W '{opts}' -- "$cur"))
	fi
}}
complete -o default -o bashdefault -F {func} {name}
'''
    with open(out_path, 'w') as f:
        f.write(text)


def main(argv):
    if len(argv) == 6 and argv[1] == 'man':
        man(*argv[2:])
    elif len(argv) == 4 and argv[1] == 'completion':
        completion(*argv[2:])
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == '__main__':
    main(sys.argv)
