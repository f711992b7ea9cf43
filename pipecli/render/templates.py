"""Reports through jinja2 templates (markdown and html): built-in ones, overridden by the workspace's.

Every template runs in jinja2's sandbox, so a template from a workspace (which came through git
from someone else) cannot reach Python internals. Templates get plain data only (report_data).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import threading
import types
from pathlib import Path

from pipecli.core.errors import InvalidValue, PipeError
from pipecli.core.reports import Report
from pipecli.render import svg
from pipecli.render.formats import md_text, plain
from pipecli.render.reports import change_text, left_out_line, left_out_lines, period_heading, report_data, shown

TEMPLATE_NAMES = {"md": "report.md.j2", "html": "report.html.j2"}
BUILTIN_PREFIX = "builtin/"  # `{% extends "builtin/report.html.j2" %}` reaches the shipped template


MAX_MADE = 1_000_000  # the most characters or items one value a template builds may have
MAX_MADE_BITS = 100_000  # the largest integer a template may make (about 30,000 digits)
MAX_REPORT = 10_000_000  # characters a report template may write
MEMORY_HEADROOM = 1 << 30  # address space a render may add: the backstop for a bomb no cap foresaw


class TemplateLimit(Exception):
    """A template went past a size limit: raised before the value is made, so memory never fills."""


def _size(value) -> int:
    return len(value) if isinstance(value, (str, bytes, list, tuple, dict, set, frozenset)) else 0


def _refuse_over(size: int, what: str) -> None:
    if size > MAX_MADE:
        raise TemplateLimit(f"{what} would make a value over {MAX_MADE:,} characters or items (the limit for one value)")


def _checked(value, what: str = "a value"):
    """value, if within the limits; an error if not (it has been made, but no bigger than a step allows)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_MADE_BITS:
        raise TemplateLimit(f"{what} would make a number over {MAX_MADE_BITS:,} bits (the limit for one value)")
    _refuse_over(_size(value), what)
    if isinstance(value, (list, tuple, dict, set, frozenset)):
        text_bound(value, what)  # what it unfolds to: [[x] * 1000] * 1000 is small, comparing it is not
    return value


MAX_DEPTH = 100  # the deepest a template's lists and dicts may nest (Python's repr and == recurse)


def text_bound(value, what: str, indent: int = 0) -> int:
    """An upper bound of the text of value (str, repr or JSON), computed without making it and
    refused as soon as it passes the limit: a list of a thousand references to one long string is
    small, its text is not. Shared references are measured once (memoised by id), so a list doubled
    forty times costs forty steps, not 2**40."""
    from jinja2.runtime import Namespace

    memo: dict = {}

    def walk(item, depth: int, inner: bool) -> int:
        if isinstance(item, str):
            if not inner:
                return len(item)
            if item.isascii() and item.isprintable():
                return len(item) + 2 + 5 * sum(item.count(c) for c in "\\'\"<>&")
            return 12 * len(item) + 2  # \uXXXX escapes, surrogate pairs in JSON
        if isinstance(item, (bytes, bytearray)):
            return 4 * len(item) + 3
        if isinstance(item, bool) or item is None:
            return 5
        if isinstance(item, int):
            return item.bit_length() * 31 // 100 + 2
        if isinstance(item, float):
            return 25
        if isinstance(item, Namespace):
            item = object.__getattribute__(item, "_Namespace__attrs")
        if isinstance(item, (dict, list, tuple, set, frozenset, type({}.keys()), type({}.values()),
                             type({}.items()))):
            key = (id(item), depth if indent else 0)
            if key in memo:
                return memo[key] if memo[key] is not None else 5  # None: it holds itself, shown [...]
            if depth > MAX_DEPTH:
                raise TemplateLimit(f"{what} would nest lists or dicts over {MAX_DEPTH} deep (the limit for one value)")
            memo[key] = None
            step = 2 + (1 + indent * (depth + 1) if indent else 0)
            total = 20 + indent * depth
            pairs = item.items() if isinstance(item, dict) else item
            for child in pairs:
                if isinstance(item, dict):
                    total += walk(child[0], depth + 1, True) + walk(child[1], depth + 1, True) + 2 + step
                else:
                    total += walk(child, depth + 1, True) + step
                if total > MAX_MADE:
                    _refuse_over(total, what)
            memo[key] = total
            return total
        return 200  # a macro, loop, cycler or date: a short repr

    size = walk(value, 0, False)
    _refuse_over(size, what)
    return size


def _refuse_heavy(value, what: str) -> None:
    """Refuse turning value into text (output, tojson, string) when its text would be over the limit."""
    if not isinstance(value, str):
        text_bound(value, what)


def _width(value) -> int:
    return value if isinstance(value, int) else len(str(value))


def _percent_size(fmt: str, values) -> int:
    """The most characters `fmt % values` can make: widths and precisions in fmt, plus the texts put in."""
    size = len(fmt)
    for star_or_width, precision in _percent_specs(fmt):
        if "*" in (star_or_width, precision):
            raise TemplateLimit("a '*' width in % formatting is not allowed in a template")
        size += int(star_or_width or 0) + int(precision or 0)
    items = values.values() if isinstance(values, dict) else values if isinstance(values, tuple) else (values,)
    return size + sum(text_bound(item, "'%'") * 2 for item in items)  # %r, %a of a text: its repr


_PERCENT_SPEC = re.compile(r"[#0\- +]*(\*|\d*)(?:\.(\*|\d*))?")


def _percent_specs(fmt: str):
    """(width, precision) of each % conversion in fmt, read as Python reads them: a mapping key
    '%(a(b)c)s' nests parentheses, so a regex stopping at the first ')' would miss the width."""
    at = fmt.find("%")
    while at != -1:
        at += 1
        if at < len(fmt) and fmt[at] == "(":
            depth = 1
            at += 1
            while at < len(fmt) and depth:
                depth += {"(": 1, ")": -1}.get(fmt[at], 0)
                at += 1
        match = _PERCENT_SPEC.match(fmt, at)
        yield match.group(1), match.group(2) or ""
        at = match.end() + 1  # past the conversion letter ('%%' included)
        at = fmt.find("%", at) if at <= len(fmt) else -1


def _before_method(method, args, kwargs) -> tuple:
    """Refuse a call of a str, bytes, int or list method whose result would be over the limit, before
    it runs: a C call such as 'x'.ljust(6000000000) cannot be stopped by the time limit once started.
    Returns args (join's iterable read into a list, to be measured)."""
    owner, name = getattr(method, "__self__", None), getattr(method, "__name__", "")
    what = f"{name}()"
    if isinstance(owner, (str, bytes)):
        if name in ("ljust", "rjust", "center", "zfill") and args and isinstance(args[0], int):
            _refuse_over(args[0], what)
        elif name == "expandtabs":
            tab = "\t" if isinstance(owner, str) else b"\t"
            _refuse_over(len(owner) + owner.count(tab) * _width(args[0] if args else kwargs.get("tabsize", 8)), what)
        elif name == "replace" and len(args) >= 2 and _size(args[0]) == len(args[0]) and isinstance(args[1], type(owner)):
            old, new = args[0], args[1]
            times = owner.count(old) if old else len(owner) + 1
            count = args[2] if len(args) > 2 else kwargs.get("count", -1)
            if isinstance(count, int) and count >= 0:
                times = min(times, count)
            _refuse_over(len(owner) + times * max(len(new) - len(old), 0), what)
        elif name == "join" and args:
            items = list(args[0])
            _refuse_over(len(items), what)
            _refuse_over(sum(_size(i) for i in items) + len(owner) * len(items), what)
            args = (items, *args[1:])
        elif name == "translate" and args and isinstance(args[0], dict):
            longest = max((_size(v) for v in args[0].values()), default=1)
            _refuse_over(len(owner) * max(longest, 1), what)
    elif isinstance(owner, int) and name == "to_bytes" and args and isinstance(args[0], int):
        _refuse_over(args[0], what)
    elif isinstance(owner, list) and name == "extend" and args and _size(args[0]):
        _refuse_over(len(owner) + _size(args[0]), what)
    if isinstance(owner, (list, dict, set)) and name in ("append", "extend", "insert", "update", "setdefault", "add"):
        # a dict filled with a million-character text per key in a loop: measured before it grows
        _refuse_over(text_bound(owner, what) + sum(text_bound(a, what) for a in (*args, *kwargs.values())), what)
    return args


_STRINGIFYING = frozenset("""lower upper capitalize title trim replace center indent truncate wordwrap wordcount
    striptags urlize escape e forceescape string safe format urlencode xmlattr int float reverse""".split())


def _bounded_filter(name: str, function):
    """function (a jinja2 filter), refusing beforehand what would be over the limit, and checking what it made."""
    passes = getattr(function, "jinja_pass_arg", None)
    what = f"the filter {name}"

    def bounded(*args, **kwargs):
        data = args[1:] if passes else args  # the first is the context, eval context or environment
        value = data[0] if data else None
        rest = list(data[1:])

        def given(index: int, key: str, default):
            return rest[index] if len(rest) > index else kwargs.get(key, default)

        text = str(value) if isinstance(value, str) else ""
        if name == "center":
            _refuse_over(_width(given(0, "width", 80)), what)
        elif name == "indent":
            _refuse_over(len(text) + (text.count("\n") + 1) * _width(given(0, "width", 4)), what)
        elif name == "replace":
            old, new = str(given(0, "old", "")), str(given(1, "new", ""))
            times = text.count(old) if old else len(text) + 1
            _refuse_over(len(text) + times * max(len(new) - len(old), 0), what)
        elif name == "format":
            _refuse_over(_percent_size(text, kwargs or tuple(rest)), what)
        elif name in ("batch", "slice"):
            _refuse_over(_width(given(0, "linecount" if name == "batch" else "slices", 0)), what)
        elif name == "wordwrap":
            wrap = given(3, "wrapstring", None) or "\n"
            lines = len(text) // max(_width(given(0, "width", 79)), 1) + text.count("\n") + 1
            _refuse_over(len(text) + lines * len(str(wrap)), what)
        elif name == "urlize":
            extra = len(str(given(2, "target", None) or "")) + len(str(given(3, "rel", None) or "")) + 40
            _refuse_over(len(text) + (text.count(" ") + 1) * extra, what)
        elif name == "tojson":
            text_bound(value, what, indent=_width(given(0, "indent", None) or 0))
        elif name == "pprint":
            text_bound(value, what, indent=1)
        if name in _STRINGIFYING:  # a list's text is made before the filter's work: measure it first
            for argument in (value, *rest, *kwargs.values()):
                _refuse_heavy(argument, what)
        elif name in ("join", "sum") and value is not None and not isinstance(value, str):
            items = list(value)
            _refuse_over(len(items), what)
            separator = _size(given(0, "d", "")) if name == "join" else 0
            _refuse_over(sum(text_bound(i, what) for i in items) + separator * len(items), what)
            args = (*args[: len(args) - len(data)], items, *rest)
        made = function(*args, **kwargs)
        if _size(made) > max(_size(value), MAX_MADE):  # a filter may pass a long text on, not grow it
            _checked(made, what)
        return made

    if passes is not None:
        bounded.jinja_pass_arg = passes
    return bounded


class BoundedBuffer(list):
    """The text a block makes (a macro, a {% set %} or {% filter %} block), counted as it is made."""

    limit = MAX_REPORT

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit
        self.made = 0

    def _count(self, text) -> None:
        self.made += _size(text)
        if self.made > self.limit:
            raise TemplateLimit(f"a block would make over {self.limit:,} characters (the limit for a block)")

    def append(self, text) -> None:
        self._count(text)
        super().append(text)

    def extend(self, texts) -> None:
        texts = list(texts)
        for text in texts:
            self._count(text)
        super().extend(texts)


def sandbox(output_limit: int = MAX_REPORT, **options):
    """jinja2's sandbox, and more: it limits range() but not the size of what a template builds
    ('x' * 10**10, 'x'.ljust(6000000000), a string doubled in a loop), which would fill the memory
    long before the time limit stops the template. Every operator, method and filter that makes a
    string, list or number is measured before it runs, or right after a step that at most doubles."""
    import jinja2
    from jinja2.compiler import CodeGenerator
    from jinja2.sandbox import SandboxedEnvironment, SandboxedEscapeFormatter, SandboxedFormatter
    from jinja2.exceptions import SecurityError
    from markupsafe import Markup

    class Measuring:
        """A str.format that refuses a width or precision over the limit, and stops past the limit."""

        def convert_field(self, value, conversion):
            if conversion in ("r", "a"):
                _refuse_over(text_bound(value, "format()", indent=0) * (2 if conversion == "r" else 6), "format()")
            _refuse_heavy(value, "format()")
            return super().convert_field(value, conversion)

        def format_field(self, value, spec):
            for number in re.findall(r"\d+", spec):
                _refuse_over(int(number), "format()")
            _refuse_heavy(value, "format()")
            text = super().format_field(value, spec)
            self.made = getattr(self, "made", 0) + len(text)
            _refuse_over(self.made, "format()")
            return text

    class Formatter(Measuring, SandboxedFormatter):
        pass

    class EscapeFormatter(Measuring, SandboxedEscapeFormatter):
        pass

    class Generator(CodeGenerator):
        def buffer(self, frame):
            frame.buffer = self.temporary_identifier()
            self.writeline(f"{frame.buffer} = environment.block_buffer()")

        def visit_Concat(self, node, frame):
            # Not environment.concat: that is jinja2's "".join, which every block's code calls.
            self.write("environment.checked_concat(")
            for arg in node.nodes:
                self.visit(arg, frame)
                self.write(", ")
            join = "markup_join" if frame.eval_ctx.autoescape else "str_join"
            if frame.eval_ctx.volatile:
                join = "(markup_join if context.eval_ctx.volatile else str_join)"
            self.write(f"join={join})")

        def visit_List(self, node, frame):
            self.write("environment.built(")
            super().visit_List(node, frame)
            self.write(")")

        def visit_Dict(self, node, frame):
            self.write("environment.built(")
            super().visit_Dict(node, frame)
            self.write(")")

        def visit_Tuple(self, node, frame):
            if node.ctx != "load":
                return super().visit_Tuple(node, frame)
            self.write("environment.built(")
            super().visit_Tuple(node, frame)
            self.write(")")

    class LimitedSandbox(SandboxedEnvironment):
        intercepted_binops = frozenset(["*", "**", "+", "%"])
        code_generator_class = Generator

        def block_buffer(self):
            return BoundedBuffer(output_limit)

        def checked_concat(self, *parts, join):
            _refuse_over(sum(text_bound(p, "'~'") for p in parts), "'~'")
            return join(parts)

        def built(self, made):
            return _checked(made, "a list or dict")

        def call_binop(self, context, operator, left, right):
            if operator == "**" and isinstance(right, int) and not isinstance(left, float):
                if abs(right) > 64:
                    raise SecurityError(f"a power as large as ** {right} is not allowed in a template")
                if isinstance(left, int) and left.bit_length() * right > MAX_MADE_BITS:
                    raise TemplateLimit(f"** would make a number over {MAX_MADE_BITS:,} bits (the limit for one value)")
            if operator == "*":
                for sized, times in ((left, right), (right, left)):
                    if isinstance(sized, (str, bytes, list, tuple)) and isinstance(times, int) \
                            and len(sized) * times > MAX_MADE:
                        raise SecurityError(f"a repetition making over {MAX_MADE:,} items is not allowed in a template")
                if isinstance(left, int) and isinstance(right, int) \
                        and left.bit_length() + right.bit_length() > MAX_MADE_BITS:
                    raise TemplateLimit(f"* would make a number over {MAX_MADE_BITS:,} bits (the limit for one value)")
            if operator == "+" and _size(left) and _size(right):
                _refuse_over(len(left) + len(right), "'+'")
                if isinstance(left, (list, tuple)):
                    _refuse_over(text_bound(left, "'+'") + text_bound(right, "'+'"), "'+'")
            if operator == "%" and isinstance(left, str):
                _refuse_over(_percent_size(left, right), "'%'")
            return _checked(super().call_binop(context, operator, left, right), f"'{operator}'")

        def wrap_str_format(self, value):
            if not isinstance(value, (types.MethodType, types.BuiltinMethodType)) \
                    or value.__name__ not in ("format", "format_map") or not isinstance(value.__self__, str):
                return None
            text = value.__self__
            is_map = value.__name__ == "format_map"

            def measured(*args, **kwargs):
                formatter = EscapeFormatter(self, escape=text.escape) if isinstance(text, Markup) else Formatter(self)
                if is_map:
                    if kwargs or len(args) != 1:
                        raise TypeError("format_map() takes exactly one argument")
                    args, kwargs = (), args[0]
                return type(text)(formatter.vformat(text, args, kwargs))

            return measured

        def call(__self, __context, __obj, *args, **kwargs):
            args = _before_method(__obj, args, kwargs)
            made = super().call(__context, __obj, *args, **kwargs)
            owner = getattr(__obj, "__self__", None)
            if isinstance(owner, (list, dict, set)):  # append, extend, update: the container grew
                _checked(owner, f"{getattr(__obj, '__name__', 'a call')}()")
            if isinstance(__obj, jinja2.runtime.Macro):
                return made  # a macro's text is counted by its block
            return _checked(made, f"{getattr(__obj, '__name__', 'a call')}()")

    def finalize(value):
        _refuse_heavy(value, "writing a list or dict")
        return value

    env = LimitedSandbox(finalize=finalize, **options)
    env.filters = {name: _bounded_filter(name, function) for name, function in env.filters.items()}
    lipsum = env.globals["lipsum"]

    def bounded_lipsum(n=5, html=True, min=20, max=100):
        _refuse_over(_width(n) * _width(max) * 12, "lipsum()")
        return lipsum(n, html, min, max)

    env.globals["lipsum"] = bounded_lipsum
    return env


def add_filter(env, name: str, function) -> None:
    """A filter of pipe's own, held to the same limits as jinja2's."""
    env.filters[name] = _bounded_filter(name, function)


def bounded_render(template, context: dict, limit: int, what: str) -> str:
    """template rendered, stopped as soon as it writes more than limit characters."""
    parts, made = [], 0
    for part in template.generate(context):
        made += len(part)
        if made > limit:
            raise TemplateLimit(f"the {what} would be over {limit:,} characters (the limit for {what}s)")
        parts.append(part)
    return "".join(parts)


@contextlib.contextmanager
def memory_ceiling(headroom: int = MEMORY_HEADROOM):
    """While a template renders, the process may grow by headroom at most (Linux): a bomb no size cap
    foresaw then fails at once with MemoryError instead of filling the machine."""
    try:
        import resource

        status = Path("/proc/self/status").read_text()
        in_use = int(re.search(r"^VmSize:\s+(\d+) kB", status, re.M).group(1)) * 1024
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        ceiling = in_use + headroom
        if hard != resource.RLIM_INFINITY:
            ceiling = min(ceiling, hard)
        if soft != resource.RLIM_INFINITY and soft <= ceiling:
            yield
            return
        resource.setrlimit(resource.RLIMIT_AS, (ceiling, hard))
    except (ImportError, OSError, ValueError, AttributeError):
        yield
        return
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


class TemplateOutside(PipeError):
    """A template (or one it includes) is a link whose real path leaves its folder."""


def inside(path: Path, folder: str) -> str | None:
    """The real path of path if it is not within folder (a real path), else None."""
    real = os.path.realpath(path)
    return None if real == folder or real.startswith(folder.rstrip(os.sep) + os.sep) else real


def confined_loader(folder: Path, shown: str, real_folder: str, typed: Path | None = None):
    """A jinja2 loader of the templates in folder whose real path stays in real_folder: a link
    committed under templates/ to ~/.ssh/id_rsa or /proc/self/environ is refused, not followed.
    typed, the file given with --template, is read wherever it leads: the user named it."""
    import jinja2
    from jinja2.loaders import split_template_path

    def load(name: str):
        parts = split_template_path(name)  # no '..'
        if typed is not None and name == typed.name:
            path = typed
        else:
            path = folder.joinpath(*parts)
            if any(part.startswith(".") for part in parts):
                raise TemplateOutside(f"{shown}{'/'.join(parts)}: refused: templates never read hidden files or "
                                      f"folders (.git, .env, ...)")
            if not path.is_file():
                return None
            if (real := inside(path, real_folder)) is not None:
                raise TemplateOutside(f"{shown}{'/'.join(parts)}: refused: it is a link to {real}, "
                                      f"outside {shown or 'its folder'}")
            if any(p.startswith(".") for p in Path(os.path.relpath(os.path.realpath(path), real_folder)).parts):
                raise TemplateOutside(f"{shown}{'/'.join(parts)}: refused: it is a link to a hidden file")
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise PipeError(f"{shown}{'/'.join(parts)}: cannot read: {getattr(error, 'strerror', None) or error}") from None
        return source, str(path), lambda: False

    class Confined(jinja2.BaseLoader):
        def get_source(self, environment, template):
            found = load(template)
            if found is None:
                raise jinja2.TemplateNotFound(template)
            return found

    return Confined()


def _in_workspace(workspace_root: Path, template_file: Path) -> bool:
    typed = os.path.abspath(template_file)
    return any(typed.startswith(folder.rstrip(os.sep) + os.sep)
               for folder in (os.path.realpath(workspace_root), os.path.abspath(workspace_root)))


def _refuse_a_link_out_of(workspace_root: Path, template_file: Path) -> None:
    """--template FILE may be anywhere, but a FILE inside the workspace is the workspace's: a link
    there (say templates/weekly.j2, named in CI) may not lead out of it."""
    if _in_workspace(workspace_root, template_file):
        real = inside(template_file, os.path.realpath(workspace_root))
        if real is not None:
            raise TemplateOutside(f"{template_file}: refused: it is a link to {real}, outside the workspace")


def environment(workspace_root: Path | None, template_file: Path | None, html: bool):
    import jinja2

    package = Path(__file__).resolve().parent.parent / "templates"
    builtin = confined_loader(package, "", os.path.realpath(package))
    loaders = [jinja2.PrefixLoader({BUILTIN_PREFIX.rstrip("/"): builtin})]
    if template_file is not None:
        # A FILE inside the workspace includes from its templates/ only: its folder may be the whole
        # workspace, with .git/config (a CI token) and .env beside it.
        in_workspace = workspace_root is not None and _in_workspace(workspace_root, template_file)
        folder = workspace_root / "templates" if in_workspace else template_file.parent
        shown_folder = "templates/" if in_workspace else f"{folder}{os.sep}"
        loaders.append(confined_loader(folder, shown_folder, os.path.realpath(folder), typed=template_file))
    if workspace_root is not None and (workspace_root / "templates").is_dir():
        real = os.path.join(os.path.realpath(workspace_root), "templates")
        loaders.append(confined_loader(workspace_root / "templates", "templates/", real))
    loaders.append(builtin)
    return sandbox(MAX_REPORT, loader=jinja2.ChoiceLoader(loaders), autoescape=html, trim_blocks=True,
                   lstrip_blocks=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def render_template(reports: list[Report], fmt: str, currency: str, today, *, workspace_root: Path | None,
                    template_file: Path | None = None, skipped: list[dict] | None = None) -> str:
    """The reports through the template for fmt: --template FILE, else templates/NAME in the
    workspace, else the built-in one. Templates see `skipped`: the deal files left out (--skip-bad),
    each with path, line, problem and text, one line saying all of it."""
    import jinja2
    from markupsafe import Markup

    html = fmt == "html"
    if workspace_root is not None and template_file is not None:
        _refuse_a_link_out_of(workspace_root, template_file)
    env = environment(workspace_root, template_file, html)
    add_filter(env, "shown", lambda value, unit="text", cur=None: shown(value, unit, cur if cur is not None else currency))
    add_filter(env, "md", md_text)
    context = {
        "reports": [_context(r, currency, html, Markup) for r in reports],
        "currency": currency,
        "today": today.isoformat(),
        "skipped": [{**s, "text": left_out_line(s)} for s in skipped or []],
        "skipped_heading": (left_out_lines(skipped)[0] if skipped else ""),
    }
    name = template_file.name if template_file else TEMPLATE_NAMES[fmt]
    recursion = (f"it calls, includes or extends itself without end (to build on a shipped template, extend "
                 f"'{BUILTIN_PREFIX}{TEMPLATE_NAMES['html']}' or '{BUILTIN_PREFIX}{TEMPLATE_NAMES['md']}')")
    with rendering(name, recursion=recursion, located=True,
                   syntax_at=lambda error: f"{error.filename or name}:{error.lineno}"):
        try:
            return bounded_render(env.get_template(name), context, MAX_REPORT, "report")
        except jinja2.TemplateNotFound as error:
            raise InvalidValue(f"template '{error.name}' not found (in templates/ or the built-in ones)") from None


@contextlib.contextmanager
def rendering(name: str, *, recursion: str = "it calls itself without end", suffix: str = "",
              located: bool = False, syntax_at=None):
    """Render under the time and memory limits, turning whatever the template does wrong into one
    PipeError line: `NAME[:LINE]: template stopped|error|refused ...SUFFIX` (report and email alike).

    The messages are made inside the limits, and short: one quoting a template value may be huge.
    located: add the template's line where the error knows it; syntax_at(error): where a syntax
    error is (its line counted in the file); suffix: what the render was for (' (for deal acme)').
    """
    import jinja2

    line = _template_line if located else (lambda error: "")
    with time_limit(RENDER_SECONDS, name), memory_ceiling():
        try:
            yield
        except jinja2.TemplateSyntaxError as error:
            where = syntax_at(error) if syntax_at else f"{name}:{error.lineno}"
            raise PipeError(f"{where}: template error: {error_text(error)}") from None
        except TemplateLimit as error:
            raise PipeError(f"{name}{line(error)}: template stopped: {error_text(error)}{suffix}") from None
        except MemoryError:
            raise PipeError(f"{name}: template stopped: it needed over {MEMORY_HEADROOM >> 20:,} MB of memory "
                            f"(the limit for a template){suffix}") from None
        except jinja2.exceptions.SecurityError as error:
            raise PipeError(f"{name}: template refused by the sandbox: {error_text(error)}{suffix}") from None
        except RecursionError:
            raise PipeError(f"{name}: template error: {recursion}{suffix}") from None
        except PipeError as error:
            if not suffix:
                raise
            raise PipeError(f"{error}{suffix}") from None
        except Exception as error:  # a template is code from the workspace: whatever it does wrong is its error
            raise PipeError(f"{name}{line(error)}: template error: {type(error).__name__}: "
                            f"{error_text(error)}{suffix}") from None

RENDER_SECONDS = 30  # far beyond any real report; a runaway template from git must not hang CI


class OutOfTime(BaseException):
    """Raised by the timer into a template that runs too long. A BaseException, as KeyboardInterrupt is:
    jinja2 and the sandbox catch Exception in places, and a stop caught there would let the loop run on."""


@contextlib.contextmanager
def time_limit(seconds: float, name: str):
    """Stop a template that runs longer than seconds (a loop of a billion steps, say). The signal
    is only handled between Python steps: the size limits keep every single step short, so it holds.
    The timer fires again every tenth of a second until the render has stopped."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    stopped = False

    def expired(signum, frame):
        if not stopped:
            raise OutOfTime

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.1)
    try:
        yield
    except OutOfTime:
        stopped = True
        raise PipeError(f"{name}: template stopped: still rendering after {seconds} s (the limit for a template)") from None
    finally:
        stopped = True
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


MAX_MESSAGE = 200  # characters of a template's own error text quoted in a message


def error_text(error: BaseException) -> str:
    """error's text cut to MAX_MESSAGE characters, never made whole: str(KeyError(("x"*10**6,)*300))
    would be 300 MB. Its arguments are shown through a bounded repr unless they are short texts."""
    import reprlib

    args = error.args
    if isinstance(getattr(error, "message", None), str):  # jinja2's errors: the message without the source
        text = error.message
    elif all(isinstance(a, str) for a in args) and sum(len(a) for a in args) <= 10 * MAX_MESSAGE \
            and (type(error).__str__ is BaseException.__str__ or not args):
        text = str(error)
    elif len(args) == 1 and isinstance(args[0], str) and type(error).__str__ is BaseException.__str__:
        text = args[0][: MAX_MESSAGE + 1]
    elif type(error).__str__ is BaseException.__str__ or isinstance(error, (KeyError, LookupError)):
        short = reprlib.Repr()
        short.maxstring = short.maxother = 60
        text = short.repr(args[0] if len(args) == 1 else args)
    else:  # an exception with its own text (jinja2's, a UnicodeError): made when raised, within the limits
        text = str(error)
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE] + "..."


def _template_line(error: BaseException) -> str:
    """':LINE' of the template frame where error happened, when jinja2 left one in the traceback."""
    line = None
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_globals.get("__jinja_template__") is not None or tb.tb_frame.f_code.co_filename.endswith(".j2"):
            line = tb.tb_lineno
        tb = tb.tb_next
    return f":{line}" if line else ""


def _context(report: Report, currency: str, html: bool, markup) -> dict:
    """What a template sees of one report: its data, with each value also as text."""
    data = plain(report_data(report))  # floats, not Decimals: a template's `tojson` takes them
    data["period"]["heading"] = period_heading(report.period)  # the label with its dates, as text shows it
    for figure, source in zip(data["figures"].values(), report.figures):
        figure["text"] = shown(source.value, source.unit, currency)
        figure["previous_text"] = shown(source.previous, source.unit, currency) if source.compared else ""
        figure["change_text"] = change_text(source, currency) if source.compared else ""
    for table, source in zip(data["tables"].values(), report.tables):
        # columns as cells has them, so that a header is over its cells; the details (json and csv's) apart
        table["columns"], table["details"] = table["columns"][:len(source.columns)], table["columns"][len(source.columns):]
        table["cells"] = [[shown(row.get(c.key), c.unit, currency if c.unit == "money" else None)
                           for c in source.columns] for row in source.rows]
    if html:
        tables = {t.key: t for t in report.tables}
        for chart, source in zip(data["charts"], report.charts):
            chart["svg"] = markup(svg.chart_svg(source, tables[source.table], currency))
    data["figure_list"] = list(data["figures"].values())
    data["table_list"] = list(data["tables"].values())
    return data
