"""Parse the SQL-like string filter syntax into the filter syntax tree.

Grammar (keywords are case-insensitive)::

    expr       := or_expr
    or_expr    := and_expr ("OR" and_expr)*
    and_expr   := not_expr ("AND" not_expr)*
    not_expr   := "NOT" not_expr | primary
    primary    := "(" expr ")" | predicate
    predicate  := field op literal | literal op field
                | field ["NOT"] "IN" "(" literal ("," literal)* ")"
                | field "IS" ["NOT"] "NULL"
                | field ["NOT"] "LIKE" string
                | field ["NOT"] "BETWEEN" literal "AND" literal
    op         := "=" | "==" | "!=" | "<>" | "<" | "<=" | ">" | ">="
    literal    := string | number | "TRUE" | "FALSE" | "TIMESTAMP" string | "DATE" string
    field      := identifier | `back-quoted identifier`
    string     := '…' with '' for a quote inside

Nothing else is accepted: no functions, no arithmetic, no comments, no ``;``. The tree is
re-emitted as SQL by our compiler with its own quoting, so the input is never passed through.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vecstore_lab.errors import InvalidFilterError
from vecstore_lab.filters._ast import (
    MAX_DEPTH,
    And,
    Compare,
    Field,
    InList,
    IsNull,
    Like,
    Node,
    Not,
    Or,
    Scalar,
    Value,
)

_KEYWORDS = {
    "AND",
    "OR",
    "NOT",
    "IN",
    "IS",
    "NULL",
    "LIKE",
    "BETWEEN",
    "TRUE",
    "FALSE",
    "TIMESTAMP",
    "DATE",
}
_OPS = ("<=", ">=", "!=", "<>", "==", "=", "<", ">")
_FLIP = {"=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_NUMBER = re.compile(r"-?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Token:
    kind: str  # ident, keyword, string, number, op, lparen, rparen, comma, end
    text: str
    pos: int
    value: object = None


def tokenize(src: str) -> list[Token]:  # noqa: PLR0915 - one flat scanner loop reads best
    """Split ``src`` into tokens; any character outside the grammar is an error."""
    tokens: list[Token] = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c.isspace():
            i += 1
        elif c == "'":
            j, buf = i + 1, []
            while True:
                if j >= n:
                    raise InvalidFilterError(
                        f"unterminated string starting at position {i}", position=i
                    )
                if src[j] == "'":
                    if j + 1 < n and src[j + 1] == "'":
                        buf.append("'")
                        j += 2
                        continue
                    break
                buf.append(src[j])
                j += 1
            tokens.append(Token("string", src[i : j + 1], i, "".join(buf)))
            i = j + 1
        elif c == "`":
            j = src.find("`", i + 1)
            if j < 0:
                raise InvalidFilterError(
                    f"unterminated `quoted field` starting at position {i}", position=i
                )
            if j == i + 1:
                raise InvalidFilterError(f"empty `` field name at position {i}", position=i)
            tokens.append(Token("ident", src[i : j + 1], i, src[i + 1 : j]))
            i = j + 1
        elif c == '"':
            raise InvalidFilterError(
                f"double quote at position {i}: write strings in single quotes ('tech'), "
                "and unusual field names in back quotes (`my field`)",
                position=i,
            )
        elif c in "(),":
            kind = {"(": "lparen", ")": "rparen", ",": "comma"}[c]
            tokens.append(Token(kind, c, i))
            i += 1
        elif (m := _NUMBER.match(src, i)) and (
            c != "-" or not tokens or tokens[-1].kind in ("op", "lparen", "comma", "keyword")
        ):
            text = m.group()
            value: int | float = float(text) if any(ch in text for ch in ".eE") else int(text)
            tokens.append(Token("number", text, i, value))
            i = m.end()
        elif m := _IDENT.match(src, i):
            word = m.group()
            kind = "keyword" if word.upper() in _KEYWORDS else "ident"
            tokens.append(Token(kind, word, i, word.upper() if kind == "keyword" else word))
            i = m.end()
        else:
            for op in _OPS:
                if src.startswith(op, i):
                    tokens.append(Token("op", op, i, {"==": "=", "<>": "!="}.get(op, op)))
                    i += len(op)
                    break
            else:
                raise InvalidFilterError(f"unexpected character {c!r} at position {i}", position=i)
    tokens.append(Token("end", "", n))
    return tokens


class _Parser:
    def __init__(self, src: str) -> None:
        self.src = src
        self.tokens = tokenize(src)
        self.i = 0
        self.level = 0  # open parentheses and NOTs around the current token

    def deeper(self) -> None:
        self.level += 1
        if self.level >= MAX_DEPTH:
            raise InvalidFilterError(
                f"the filter nests more than {MAX_DEPTH} levels deep at position "
                f"{self.tok.pos}; flatten it",
                position=self.tok.pos,
            )

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def error(self, expected: str, tok: Token | None = None) -> InvalidFilterError:
        tok = tok or self.tok
        got = "end of input" if tok.kind == "end" else repr(tok.text)
        return InvalidFilterError(
            f"expected {expected} at position {tok.pos}, got {got}", position=tok.pos
        )

    def keyword(self, *words: str) -> bool:
        if self.tok.kind == "keyword" and self.tok.value in words:
            self.i += 1
            return True
        return False

    def expect_keyword(self, word: str) -> None:
        if not self.keyword(word):
            raise self.error(word)

    def parse(self) -> Node:
        if self.tok.kind == "end":
            raise InvalidFilterError("empty filter expression", position=0)
        node = self.or_expr()
        if self.tok.kind != "end":
            raise self.error("AND, OR or end of filter")
        return node

    def or_expr(self) -> Node:
        items = [self.and_expr()]
        while self.keyword("OR"):
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_expr(self) -> Node:
        items = [self.not_expr()]
        while self.keyword("AND"):
            items.append(self.not_expr())
        return items[0] if len(items) == 1 else And(tuple(items))

    def not_expr(self) -> Node:
        if self.keyword("NOT"):
            self.deeper()
            node = Not(self.not_expr())
            self.level -= 1
            return node
        return self.primary()

    def primary(self) -> Node:
        if self.tok.kind == "lparen":
            self.deeper()
            self.i += 1
            node = self.or_expr()
            if self.tok.kind != "rparen":
                raise self.error("')'")
            self.i += 1
            self.level -= 1
            return node
        if self.tok.kind == "ident":
            return self.predicate()
        if self._at_literal():
            lit = self.literal()
            if self.tok.kind != "op":
                raise self.error("a comparison operator")
            op_tok = self.tok
            self.i += 1
            if self.tok.kind != "ident":
                raise InvalidFilterError(
                    f"a comparison needs a field on one side; at position {lit.pos} a literal "
                    f"is compared with {self.tok.text or 'nothing'!r}",
                    position=lit.pos,
                )
            field = self.field()
            return Compare(field, _FLIP[str(op_tok.value)], lit)
        raise self.error("a field name, NOT or '('")

    def field(self) -> Field:
        tok = self.tok
        self.i += 1
        return Field(str(tok.value), pos=tok.pos)

    def predicate(self) -> Node:
        field = self.field()
        tok = self.tok
        if tok.kind == "op":
            self.i += 1
            return Compare(field, str(tok.value), self.literal())
        if self.keyword("IS"):
            negate = self.keyword("NOT")
            self.expect_keyword("NULL")
            return IsNull(field, negate=negate)
        negate = self.keyword("NOT")
        if self.keyword("IN"):
            return InList(field, self.literal_list(), negate=negate)
        if self.keyword("LIKE"):
            if self.tok.kind != "string":
                raise self.error("a string pattern after LIKE")
            return Like(field, self.literal(), negate=negate)
        if self.keyword("BETWEEN"):
            low = self.literal()
            self.expect_keyword("AND")
            high = self.literal()
            node: Node = And((Compare(field, ">=", low), Compare(field, "<=", high)))
            return Not(node) if negate else node
        raise self.error("an operator (=, !=, <, <=, >, >=, IN, IS, LIKE, BETWEEN)")

    def literal_list(self) -> tuple[Value, ...]:
        if self.tok.kind != "lparen":
            raise self.error("'(' after IN")
        self.i += 1
        values = [self.literal()]
        while self.tok.kind == "comma":
            self.i += 1
            values.append(self.literal())
        if self.tok.kind != "rparen":
            raise self.error("',' or ')'")
        self.i += 1
        return tuple(values)

    def _at_literal(self) -> bool:
        tok = self.tok
        return tok.kind in ("string", "number") or (
            tok.kind == "keyword" and tok.value in ("TRUE", "FALSE", "TIMESTAMP", "DATE")
        )

    def literal(self) -> Value:
        tok = self.tok
        if tok.kind in ("string", "number"):
            self.i += 1
            value: Scalar = tok.value  # type: ignore[assignment]
            return Value(value, pos=tok.pos)
        if tok.kind == "keyword" and tok.value in ("TRUE", "FALSE"):
            self.i += 1
            return Value(tok.value == "TRUE", pos=tok.pos)
        if tok.kind == "keyword" and tok.value in ("TIMESTAMP", "DATE"):
            self.i += 1
            if self.tok.kind != "string":
                raise self.error(f"a quoted value after {tok.value}")
            text = str(self.tok.value)
            self.i += 1
            return Value(text, pos=tok.pos, typed=str(tok.value).lower())
        if tok.kind == "keyword" and tok.value == "NULL":
            raise InvalidFilterError(
                f"NULL at position {tok.pos} cannot be compared with =; use IS NULL / IS NOT NULL",
                position=tok.pos,
            )
        raise self.error("a value (a 'string', a number, TRUE or FALSE)")


def parse_string(src: str) -> Node:
    """Parse a string filter such as ``"category = 'tech' AND year >= 2020"``."""
    return _Parser(src).parse()
