"""What a diagram's script or expression may say, checked before it ever runs.

Two passes over the syntax tree. The first (``_Checker``) refuses, in Dutch and with the line, everything the
small script language of Ketenflow leaves out: names and attributes starting with ``_``, introspection
attributes (frames, code, generators), ``str.format``, imports, own functions, classes, ``try``/``with``,
``*``/``**`` unpacking, ``%`` on text and calls of functions that are not on the allow-list. The second is
RestrictedPython's transformer, extended so that every operator, f-string and collection literal goes
through a guard of ``webapp.engine.sandbox`` that checks sizes (see there). The compiled code is cached by
source text: diagrams repeat the same few expressions on every request.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import lru_cache
from types import CodeType

from RestrictedPython.compile import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.transformer import INSPECT_ATTRIBUTES, RestrictingNodeTransformer

from webapp.domain.messages import N_, Message


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# The file name of compiled diagram code; the run-time tracer counts only frames with this name.
FILENAME = "<diagram-script>"
MAX_SOURCE = 20_000  # characters; a script this long is a program, not a diagram rule

# Functions a script may call; the sandbox module supplies their guarded versions.
ALLOWED_CALLS = _words(
    "abs all any bool dict enumerate filter float int isinstance len list map max min range reversed "
    "round set sorted str sum tuple zip ValueError TypeError KeyError deadline"
)
# Attributes no object in a script has a use for: introspection, formatting that reaches attributes,
# type machinery, and the conversions that build unbounded bytes.
_FORBIDDEN_ATTRIBUTES = INSPECT_ATTRIBUTES | {
    "format", "format_map", "mro", "translate", "maketrans", "to_bytes", "expandtabs", "encode", "decode",
}  # fmt: skip
_INTROSPECTION = re.compile(r"^(gi|f|tb|co|cr|ag)_")
_NODES_REFUSED: dict[type[ast.AST], str] = {
    ast.Import: N_("importeren (import) is niet toegestaan"),
    ast.ImportFrom: N_("importeren (import) is niet toegestaan"),
    ast.FunctionDef: N_("eigen functies (def) zijn niet toegestaan"),
    ast.AsyncFunctionDef: N_("eigen functies (def) zijn niet toegestaan"),
    ast.Lambda: N_("eigen functies (lambda) zijn niet toegestaan"),
    ast.ClassDef: N_("klassen (class) zijn niet toegestaan"),
    ast.Try: N_("try/except is niet toegestaan"),
    ast.With: N_("with is niet toegestaan"),
    ast.AsyncWith: N_("with is niet toegestaan"),
    ast.AsyncFor: N_("async is niet toegestaan"),
    ast.Await: N_("await is niet toegestaan"),
    ast.Yield: N_("yield is niet toegestaan"),
    ast.YieldFrom: N_("yield is niet toegestaan"),
    ast.Global: N_("global is niet toegestaan"),
    ast.Nonlocal: N_("nonlocal is niet toegestaan"),
    ast.Starred: N_("uitpakken met * is niet toegestaan"),
    ast.Match: N_("match is niet toegestaan"),
    ast.MatMult: N_("de operator @ is niet toegestaan"),
}
if hasattr(ast, "TryStar"):  # pragma: no branch - Python 3.11+
    _NODES_REFUSED[ast.TryStar] = N_("try/except is niet toegestaan")
_WIDE_FORMAT = re.compile(r"\d{4,}")  # a width or precision of 1000 or more builds a huge text


class ScriptRefused(Exception):
    """A script or expression did something the sandbox does not allow; the message is Dutch."""


@lru_cache(maxsize=4096)
def compiled(source: str, mode: str) -> CodeType:
    """The guarded code of a script (``mode="exec"``) or expression (``"eval"``); refused code raises."""
    problems, tree = _checked(source, mode)
    if problems or tree is None:
        raise ScriptRefused(problems[0])
    compile_mode = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compile_mode(tree, filename=FILENAME, policy=_GuardingTransformer)
    if result.errors or result.code is None:  # a rule of RestrictedPython our own check does not know
        raise ScriptRefused(Message("niet toegestaan: {detail}", detail="; ".join(result.errors)))
    return result.code


def check_source(source: str, mode: str) -> list[str]:
    """Dutch problems of a script or expression, for the deploy-time check; empty when it may run."""
    problems, _ = _checked(source, mode)
    if not problems:
        try:
            compiled(source, mode)
        except ScriptRefused as refused:
            problems.append(str(refused))
    return problems


def _checked(source: str, mode: str) -> tuple[list[str], ast.Module | ast.Expression | None]:
    if len(source) > MAX_SOURCE:
        return [Message("de tekst is te lang (meer dan {limit} tekens)", limit=MAX_SOURCE)], None
    try:
        tree: ast.Module | ast.Expression = ast.parse(source, FILENAME, mode)  # type: ignore[assignment]
    except SyntaxError as error:
        return [Message("{msg} (regel {line})", msg=error.msg, line=error.lineno)], None
    return list(_Checker().problems(tree)), tree


class _Checker:
    def problems(self, tree: ast.AST) -> Iterator[str]:
        for node in ast.walk(tree):
            problem = self._problem(node)
            if problem:
                yield Message("regel {line}: {problem}", line=getattr(node, "lineno", 1), problem=problem)

    def _problem(self, node: ast.AST) -> str | None:
        refused = _NODES_REFUSED.get(type(node))
        if refused:
            return refused
        if isinstance(node, ast.Name):
            return _name_problem(node.id)
        if isinstance(node, ast.Attribute):
            return _attribute_problem(node.attr)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and _unknown_call(node.func.id):
            return Message("de functie '{name}' bestaat niet in scripts", name=node.func.id)
        if isinstance(node, ast.AugAssign) and not isinstance(node.target, ast.Name):
            return N_("x[...] += ... is niet toegestaan; schrijf x[...] = x[...] + ...")
        if isinstance(node, ast.keyword) and node.arg is None:
            return N_("uitpakken met ** is niet toegestaan")
        if isinstance(node, ast.Dict) and any(key is None for key in node.keys):
            return N_("uitpakken met ** is niet toegestaan")
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and _is_text(node.left):
            return N_("tekst opmaken met % is niet toegestaan; gebruik een f-string")
        if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            return _format_spec_problem(node.format_spec)
        return None


def _name_problem(name: str) -> str | None:
    if name.startswith("_"):
        return Message("de naam '{name}' begint met '_'; zulke namen zijn niet toegestaan", name=name)
    if name in _FORBIDDEN_NAMES:
        return Message("'{name}' is in scripts niet toegestaan", name=name)
    return None


def _unknown_call(name: str) -> bool:
    # A forbidden or '_' name is already refused as a name; one message per mistake.
    return name not in ALLOWED_CALLS and name not in _FORBIDDEN_NAMES and not name.startswith("_")


def _attribute_problem(attribute: str) -> str | None:
    if attribute.startswith("_"):
        return Message("het attribuut '{name}' begint met '_' en is niet toegestaan", name=attribute)
    if attribute in _FORBIDDEN_ATTRIBUTES or _INTROSPECTION.match(attribute):
        return Message("het attribuut '{name}' is in scripts niet toegestaan", name=attribute)
    return None


def _format_spec_problem(spec: ast.expr) -> str | None:
    parts = spec.values if isinstance(spec, ast.JoinedStr) else [spec]
    if not all(isinstance(part, ast.Constant) for part in parts):
        return N_("een opmaak in een f-string mag geen expressie bevatten")
    if _WIDE_FORMAT.search("".join(str(part.value) for part in parts if isinstance(part, ast.Constant))):
        return N_("een breedte of precisie in een f-string moet kleiner zijn dan 1000")
    return None


def _is_text(node: ast.expr) -> bool:
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str | bytes)
    )


# Builtins that reach objects' internals, run code or touch the system. None of them exists in a script
# (calling any other unknown name is refused as well); naming them gives a clear message even where the name
# is only passed around (``f = getattr``) instead of called.
_FORBIDDEN_NAMES = _words(
    "eval exec compile open input print printed breakpoint help globals locals vars dir getattr setattr "
    "delattr hasattr memoryview builtins super classmethod staticmethod property exit quit"
)


def _call(name: str, args: list[ast.expr], like: ast.AST) -> ast.Call:
    call = ast.Call(func=ast.Name(name, ast.Load()), args=args, keywords=[])
    return ast.fix_missing_locations(ast.copy_location(call, like))


_OPERATORS = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
    ast.Pow: "**", ast.LShift: "<<", ast.RShift: ">>", ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&",
}  # fmt: skip


class _GuardingTransformer(RestrictingNodeTransformer):
    """RestrictedPython's guards, plus guards on what can build a large value in one step."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        node = self.node_contents_visit(node)
        symbol = ast.Constant(_OPERATORS[type(node.op)])
        return _call("_op_", [symbol, node.left, node.right], node)

    def visit_While(self, node: ast.While) -> ast.AST:
        # ``while True: pass`` compiles to one jump with no line event for the tracer to see; a guard call
        # in the test gives it one on every pass.
        node = self.node_contents_visit(node)
        node.test = _call("_loop_", [node.test], node.test)
        return node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        # The value shown may be a list that repeats one long text many times; _shown_ measures it first.
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                part.value = _call("_shown_", [self.visit(part.value)], part)
        return _call("_made_", [node], node)

    def visit_List(self, node: ast.List) -> ast.AST:
        return self._counted(self.node_contents_visit(node))

    def visit_Tuple(self, node: ast.Tuple) -> ast.AST:
        return self._counted(self.node_contents_visit(node))

    def visit_Set(self, node: ast.Set) -> ast.AST:
        return self._counted(self.node_contents_visit(node))

    def visit_Dict(self, node: ast.Dict) -> ast.AST:
        return self._counted(self.node_contents_visit(node))

    def _counted(self, node: ast.List | ast.Tuple | ast.Set | ast.Dict) -> ast.AST:
        """A literal with variables is built anew on every pass of a loop: count what it holds."""
        parts: list[ast.expr | None]
        if isinstance(node, ast.Dict):
            loads, parts = True, [*node.keys, *node.values]
        else:
            loads, parts = isinstance(getattr(node, "ctx", ast.Load()), ast.Load), [*node.elts]
        if not loads or all(isinstance(part, ast.Constant) for part in parts):
            return node
        return _call("_made_", [node], node)
