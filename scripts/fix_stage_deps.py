import re, sys, pathlib
sys.path.insert(0, '.')
from tests.stages.stage_deps import import_closure, STAGE_COMMAND
import yaml
repo = pathlib.Path('.')
for dvcfile in sys.argv[1:]:
    path = pathlib.Path(dvcfile)
    text = path.read_text()
    stages = yaml.safe_load(text)['stages']
    lines = text.splitlines(keepends=True)
    out = []; i = 0; current = None
    while i < len(lines):
        line = lines[i]
        m = re.match(r'^  (\w+):\s*$', line)
        if m: current = m.group(1)
        spec = stages.get(current, {}); spec = spec.get('do', spec) if isinstance(spec, dict) else {}
        if line.split('#')[0].strip() == 'deps:' and spec and (cm := STAGE_COMMAND.fullmatch(spec['cmd'].strip())):
            indent = ' ' * (len(line) - len(line.lstrip()) + 2) + '- '
            prefix = '' if spec.get('wdir', '.') == '..' or path.parent == pathlib.Path('.') else '../'
            out.append(line); i += 1
            keep = []
            while i < len(lines) and lines[i].startswith(indent):
                item = lines[i].strip()[2:]
                is_code = item.endswith('.py') or (item.startswith(('riawelc', 'stages')) and '/out' not in item)
                if not is_code: keep.append(lines[i])
                i += 1
            closure = set(import_closure(cm[1], repo))
            for d in sorted({str(pathlib.Path(x).parent) for x in closure}):
                files = {q.as_posix() for q in pathlib.Path(d).rglob('*.py')}
                if d.count('/') == 1 and d.startswith('riawelc/') and (pathlib.Path(d) / '__init__.py').exists() and files <= closure:
                    closure = (closure - files) | {d}
            closure = sorted(closure, key=lambda f: (not f.startswith('stages'), f))
            out += keep + [f'{indent}{prefix}{f}\n' for f in closure]
            continue
        out.append(line); i += 1
    path.write_text(''.join(out))
