"""YAML for pipe's files: a strict safe loader (plain types only) and the canonical dumper.

The loader resolves a deliberately small set of plain scalars so that text stays text: `NO`,
`on`, `01234` and `12:30` load as strings (YAML 1.1 would turn them into a bool, an octal int
and a sexagesimal int). It rejects every explicit tag but `!!str` and friends, and duplicate
keys. It bounds what hostile text can cost (see the limits below and docs/format.md 2.8).
The dumper is PyYAML's safe dumper, which quotes anything YAML 1.1 would read as
another type, and it also quotes what YAML 1.2 would read as a number, so what it writes reads back
the same here and in other YAML tools.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import re
from collections.abc import Iterator
from typing import Any

import yaml

from pipecli.core.errors import InvalidValue
from pipecli.core.fileformat import utf8

# Reading uses libyaml when present: it is several times faster. Writing never uses libyaml's
# emitter: it escapes characters outside the BMP (an emoji becomes "\U0001F4A5") and writes a few
# others differently (an empty key), so the same deal would get different bytes on different
# machines. The pure Python emitter's bytes are the canonical ones; fastemit (see dump) writes the
# same bytes for what pipe writes, many times faster: an import writes thousands of deals.
try:
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]
from yaml import SafeDumper as _BaseDumper

YAMLError = yaml.YAMLError

# Limits that no real file reaches (the largest sample deal is under 3 KB, and a deal with a few
# thousand logged interactions is a few hundred KB), so that a hostile or broken file costs
# seconds at most and cannot grow into gigabytes when pipe writes or prints it.
MAX_BYTES = 1024 * 1024  # UTF-8 bytes of YAML text in one load (a deal's frontmatter, pipelines.yaml)
MAX_NODES = 200_000  # scalars, lists and mappings constructed, each alias use counted again
MAX_ALIAS_CHARS = 1024 * 1024  # characters of text copied by aliases (*name) of scalars
MAX_INT_DIGITS = 1000  # digits of an integer (an amount has at most 13, before the limit of values.MAX_AMOUNT)

DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}\Z")
TRUE_WORDS = ("true", "True", "TRUE")
BOOL_PATTERN = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)\Z")
INT_PATTERN = re.compile(r"^-?(?:0|[1-9][0-9]*)\Z")
FLOAT_PATTERN = re.compile(r"^-?(?:0|[1-9][0-9]*)\.[0-9]*(?:[eE][-+][0-9]+)?\Z")
NULL_PATTERN = re.compile(r"^(?:~|null|Null|NULL|)\Z")


class Loader(_BaseLoader):
    """Safe loader with YAML 1.2-like plain scalars, dates, and no object construction."""

    yaml_implicit_resolvers: dict = {}
    yaml_constructors: dict = {}

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.node_count = 0
        self.alias_chars = 0

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if node in self.constructed_objects:
            # An alias (*name) of a list or mapping shares one object between keys: a few lines
            # of such aliases can expand into millions on the next write (a "billion laughs").
            if not isinstance(node, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError(
                    None, None, "aliases (*name) of lists or mappings are not supported", node.start_mark
                )
            # A scalar alias is a copy when written back: a long text aliased many times is the
            # same bomb, one level flatter.
            self.alias_chars += len(node.value)
            if self.alias_chars > MAX_ALIAS_CHARS:
                raise yaml.constructor.ConstructorError(
                    None, None, f"aliases (*name) copy more than {MAX_ALIAS_CHARS:,} characters of text",
                    node.start_mark,
                )
        self.node_count += 1
        if self.node_count > MAX_NODES:
            raise yaml.constructor.ConstructorError(
                None, None, f"more than {MAX_NODES:,} values (scalars, lists and mappings)", node.start_mark
            )
        return super().construct_object(node, deep)


Loader.add_implicit_resolver("tag:yaml.org,2002:bool", BOOL_PATTERN, list("tTfF"))
Loader.add_implicit_resolver("tag:yaml.org,2002:int", INT_PATTERN, list("-0123456789"))
Loader.add_implicit_resolver("tag:yaml.org,2002:float", FLOAT_PATTERN, list("-0123456789"))
Loader.add_implicit_resolver("tag:yaml.org,2002:null", NULL_PATTERN, ["~", "n", "N", ""])
Loader.add_implicit_resolver("tag:yaml.org,2002:timestamp", DATE_PATTERN, list("0123456789"))


def _shown(text: Any) -> str:
    """Text quoted in an error message, in one line: a line break (or another unprintable character)
    is written as Python writes it (`\\n`, `\\u2028`), so every error stays one line."""
    text = str(text)
    return text if text.isprintable() else repr(text)[1:-1]


def _construct_date(loader: Loader, node: yaml.ScalarNode) -> dt.date | str:
    text = loader.construct_scalar(node)
    if not DATE_PATTERN.match(text):  # only an explicit !!timestamp gets here with another shape
        raise yaml.constructor.ConstructorError(None, None, f"'{_shown(text)}' is not a valid date YYYY-MM-DD", node.start_mark)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        # 2026-02-30 looks like a date but is not one: keep it as text for the validator.
        return text


def _construct_null(loader: Loader, node: yaml.ScalarNode) -> None:
    text = loader.construct_scalar(node)
    if not NULL_PATTERN.match(text):  # an explicit `!!null x` would silently drop the x
        raise yaml.constructor.ConstructorError(None, None, f"'{_shown(text)}' is not a valid null", node.start_mark)
    return None


def _construct_mapping(loader: Loader, node: yaml.MappingNode) -> dict:
    if not isinstance(node, yaml.MappingNode):
        raise yaml.constructor.ConstructorError(
            None, None, f"expected a mapping, found {node.id}", node.start_mark
        )
    mapping: dict = {}
    yield mapping
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)) or key is None:
            raise yaml.constructor.ConstructorError(
                None, None, "keys must be plain text", key_node.start_mark
            )
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key '{_shown(key)}'", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=True)


def _construct_sequence(loader: Loader, node: yaml.SequenceNode) -> list:
    items: list = []
    yield items
    items.extend(loader.construct_sequence(node, deep=True))


def _reject_tag(loader: Loader, node: yaml.Node) -> None:
    raise yaml.constructor.ConstructorError(
        None, None, f"YAML tag {_shown(node.tag)} is not allowed here", node.start_mark
    )


def _scalar(kind: str, pattern: re.Pattern, convert):
    """A constructor for a typed scalar that accepts only what the plain form of it may be.

    So an explicit `!!int 010` or `!!bool NO` is an error, not YAML 1.1's 8 or False.
    """

    def construct(loader: Loader, node: yaml.Node):
        text = loader.construct_scalar(node)
        if kind == "int" and len(text.lstrip("-")) > MAX_INT_DIGITS:
            # Python refuses to read an int of over 4,300 digits with a ValueError, which would
            # stop every command at this one file; and no figure pipe keeps is that long.
            raise yaml.constructor.ConstructorError(
                None, None, f"a number of {len(text.lstrip('-')):,} digits: too long (at most {MAX_INT_DIGITS:,})",
                node.start_mark)
        value = convert(text) if pattern.match(text) else None
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            raise yaml.constructor.ConstructorError(
                None, None, f"'{_shown(text)}' is not a valid {kind}", node.start_mark
            )
        return value

    return construct


for _tag, _fn in {
    "tag:yaml.org,2002:null": _construct_null,
    "tag:yaml.org,2002:bool": _scalar("bool", BOOL_PATTERN, lambda text: text in TRUE_WORDS),
    "tag:yaml.org,2002:int": _scalar("int", INT_PATTERN, int),
    "tag:yaml.org,2002:float": _scalar("float", FLOAT_PATTERN, float),
    "tag:yaml.org,2002:str": yaml.constructor.SafeConstructor.construct_yaml_str,
    "tag:yaml.org,2002:timestamp": _construct_date,
    "tag:yaml.org,2002:map": _construct_mapping,
    "tag:yaml.org,2002:seq": _construct_sequence,
    None: _reject_tag,
}.items():
    Loader.add_constructor(_tag, _fn)


class Dumper(_BaseDumper):
    """The canonical writer: block style, insertion order, no line wrapping, no anchors."""

    def ignore_aliases(self, data: Any) -> bool:
        # One date object used twice must be written twice, not as &id001 / *id001.
        return True


def _represent_str(dumper: Dumper, value: str) -> yaml.ScalarNode:
    # Multi-line text reads best as a literal block; PyYAML only uses it when asked. Only for
    # tidy text: edge whitespace would need chomping indicators and a '...' document end.
    core = value[:-1] if value.endswith("\n") else value
    # (NEL, LS and PS are line breaks to YAML: inside a literal block they would read back as "\n")
    tidy = (core == core.strip() and "\n" in core and "\r" not in value
            and not any(char in value for char in _LINE_BREAKS_TO_ESCAPE))
    if tidy and not any(line != line.rstrip() for line in core.split("\n")):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    if any(char in value for char in _LINE_BREAKS_TO_ESCAPE):
        # The pure emitter writes NEL, LS and PS raw inside single quotes, where they read back
        # as spaces; double quotes escape them (\N, \L, \P).
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    if YAML12_NUMBER.match(value) or value.startswith(CONFLICT_MARKERS):
        # PyYAML leaves 1e3, 0o17 (YAML 1.2 numbers) and y, n (YAML 1.1 booleans) plain; and text that
        # starts like a git conflict marker, written plain at the start of a line (a key), would make
        # the file read as an unresolved merge.
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="'")
    return dumper.represent_str(value)


_LINE_BREAKS_TO_ESCAPE = ("\x85", "\u2028", "\u2029")
CONFLICT_MARKERS = ("<<<<<<<", "=======", ">>>>>>>")
YAML12_NUMBER = re.compile(r"^(?:[yYnN]|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")


Dumper.add_representer(str, _represent_str)


def utf8_size(text: str) -> int:
    """The size of text in UTF-8 bytes (without encoding it when it is ASCII, as pipe's files mostly are)."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def _loader(text: str) -> Loader:
    """A loader for text, once it is known to be within MAX_BYTES and valid Unicode."""
    size = utf8_size(text)
    if size > MAX_BYTES:
        raise yaml.YAMLError(f"the YAML is {size:,} bytes, over the limit of {MAX_BYTES:,} (1 MiB)")
    try:
        return Loader(text)
    except UnicodeEncodeError as error:  # libyaml encodes the whole text first
        raise _not_unicode(text, error) from None


def _not_unicode(text: str, error: UnicodeEncodeError) -> yaml.YAMLError:
    """A lone surrogate (only a str built in Python can hold one, never decoded UTF-8), as a YAML error."""
    line = text.count("\n", 0, error.start)
    column = error.start - (text.rfind("\n", 0, error.start) + 1)
    mark = yaml.error.Mark("<text>", error.start, line, column, None, None)
    return yaml.MarkedYAMLError(problem="text that is not valid Unicode (a lone surrogate)", problem_mark=mark)


def _marked(text: str, error: yaml.reader.ReaderError) -> yaml.YAMLError:
    """A reader error (a control character, say) with the line it is on, which PyYAML leaves out."""
    if _BaseLoader is yaml.SafeLoader:  # pragma: no cover - depends on how PyYAML was built
        line = text.count("\n", 0, error.position)
    else:  # libyaml counts UTF-8 bytes
        line = utf8.line_at(text.encode("utf-8", "surrogatepass"), error.position) - 1
    mark = yaml.error.Mark("<text>", error.position, line, 0, None, None)
    return yaml.MarkedYAMLError(problem=str(error).splitlines()[0], problem_mark=mark)


@contextlib.contextmanager
def _loading(text: str) -> Iterator[Loader]:
    """The strict loader for text, its failures as yaml.YAMLError with a mark, disposed of after."""
    loader = _loader(text)
    try:
        yield loader
    except RecursionError:
        raise yaml.YAMLError("lists or mappings nested too deeply") from None
    except yaml.reader.ReaderError as error:
        raise _marked(text, error) from None
    finally:
        loader.dispose()


def load(text: str) -> Any:
    """Parse YAML text with the strict loader; raises yaml.YAMLError with a mark on failure."""
    with _loading(text) as loader:
        return loader.get_single_data()


def dump(data: Any) -> str:
    """Serialise data the canonical way (the same bytes for the same data, always).

    Raises InvalidValue, naming the field, for a value that load would refuse or read back as
    something else (see unwritable): what pipe writes, pipe reads back equal.
    """
    # What pipe writes (deals, their keys and list items) takes the fast writer, which gives
    # exactly the bytes below or declines: then PyYAML's emitter writes it or check_writable refuses it.
    text = fastemit.dump(data)
    if text is not None:
        return text
    check_writable(data)
    return _emit(data)


def check_writable(data: Any) -> None:
    """Raises InvalidValue naming the field of the first value in data that dump refuses (unwritable)."""
    refused = unwritable(data)
    if refused is not None:
        raise InvalidValue(f"cannot write {_shown(refused[0]) or 'the file'}: {refused[1]}")


def _emit(data: Any) -> str:
    """data in the canonical form, unchecked (dump checks first)."""
    text = yaml.dump(
        data,
        Dumper=Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=10**9,
    )
    # An explicit document end would cut a frontmatter assembled from several dumps short.
    return text[: -len("...\n")] if text.endswith("\n...\n") else text


# What load reads back as written: a tuple is written as a list and reads back as one; a bool is
# an int to Python, and a datetime a date, so types are compared exactly, never by isinstance.
_SCALARS = (str, int, bool, float, dt.date, type(None))
_KEYS = (str, int, bool, float)  # what load accepts as a key (`null:`, a date, a list are refused there)


def unwritable(data: Any, field: str = "") -> tuple[str, str] | None:
    """The first value in data that dump must not write, as (its field, why), or None.

    Refused because load would refuse it or read it back as something else: an infinite float or
    NaN (written .inf and .nan, read back as text), a datetime or time (read back as text), a key
    that is null, a date or a list (load takes only text, numbers and true/false as keys), text that
    is not valid Unicode, an integer of over MAX_INT_DIGITS digits, and any other type (bytes, sets,
    Decimal, a subclass of str...), which PyYAML would write with a tag load refuses, or not at all.
    The field is written as `activities[2].time`.
    """
    if _writable(data):  # the common case, without naming every field on the way
        return None
    stack = [(field, data)]
    while stack:
        where, value = stack.pop()
        kind = type(value)
        if kind is dict:
            for key in value:
                if type(key) not in _KEYS:
                    return where, f"a key {_described(key)} (a key must be text, a number or true/false)"
                why = _scalar_problem(key)
                if why:
                    return where, f"a key {why}"
            stack.extend((f"{where}.{key}" if where else str(key), item) for key, item in reversed(value.items()))
        elif kind is list or kind is tuple:
            stack.extend((f"{where}[{index}]", item) for index, item in reversed(list(enumerate(value))))
        elif kind is dt.datetime or kind is dt.time:
            return where, (f"{_described(value)} has a time of day: pipe's files hold a date (YYYY-MM-DD), "
                           "and a time apart, as text (HH:MM)")
        elif kind not in _SCALARS:
            return where, f"{_described(value)} is not a value pipe's files hold (text, a number, a date, true/false, a list or a mapping)"
        else:
            why = _scalar_problem(value)
            if why:
                return where, why
    return None


_INT_LIMIT = 10**MAX_INT_DIGITS


def _writable(data: Any) -> bool:
    """Whether unwritable finds nothing in data: its walk, without the field names it keeps for an
    error, which cost more than the check itself (an import checks every deal before writing any)."""
    try:
        return _writable_value(data)
    except RecursionError:
        return False  # unwritable's own walk, which needs no stack, decides


def _writable_value(value: Any) -> bool:
    kind = type(value)
    if kind is str:
        return value.isascii() or _is_unicode(value)
    if kind is dict:
        for key, item in value.items():
            if type(key) not in _KEYS or _scalar_problem(key) or not _writable_value(item):
                return False
        return True
    if kind is list or kind is tuple:
        return all(map(_writable_value, value))
    if kind is int:
        return -_INT_LIMIT < value < _INT_LIMIT
    if kind is float:
        return math.isfinite(value)
    return kind is bool or kind is dt.date or value is None


def _scalar_problem(value: Any) -> str | None:
    kind = type(value)
    if kind is float and not math.isfinite(value):
        return f"{value!r} is not a finite number"
    if kind is int and abs(value) >= _INT_LIMIT:
        return f"a number of over {MAX_INT_DIGITS:,} digits"
    if kind is str and not _is_unicode(value):
        return "text that is not valid Unicode (a lone surrogate)"
    return None


def _is_unicode(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _described(value: Any) -> str:
    """A value in an error message: its type's name, and itself when short."""
    if value is None:
        return "null"
    if isinstance(value, (dt.date, dt.time)):
        return f"{type(value).__name__} {value.isoformat()}"
    return f"{type(value).__name__} {_shown(repr(value)[:40])}"


def load_with_lines(text: str) -> tuple[Any, dict[tuple, int]]:
    """Parse YAML text and also map each key path, like ('pipelines', 0, 'id'), to its 1-based line."""
    with _loading(text) as loader:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    lines: dict[tuple, int] = {}
    if node is not None:
        _index_lines(node, (), lines)
    return data, lines


def _index_lines(node: yaml.Node, path: tuple, lines: dict[tuple, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key_path = path + (key_node.value,)
            _index_lines(value_node, key_path, lines)
            # A key's own line is more useful than where its value starts (a block list).
            lines[key_path] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index_lines(item, path + (index,), lines)


def error_line(error: yaml.YAMLError) -> int | None:
    """The 1-based line a YAML error points at, when it has one."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    return mark.line + 1 if mark is not None else None


def error_message(error: yaml.YAMLError) -> str:
    """A one-line description of a YAML error, without PyYAML's multi-line excerpt."""
    problem = getattr(error, "problem", None)
    context = getattr(error, "context", None)
    if problem:
        return f"{context}: {problem}" if context and "tag" not in problem else problem
    return str(error).splitlines()[0]


# Last: the fast writer reads this module's rules (the Dumper's resolvers, what is quoted) as it loads.
from pipecli.core.fileformat import fastemit  # noqa: E402  (a cycle: fastemit imports this module)
