"""Build ``vecstore_lab/data/python_reference``: a small, real, hand-labelled retrieval set.

Corpus: the Python 3.11 language-reference topics that ship with CPython as
``pydoc_data.topics`` (the text ``help("try")`` prints), PSF licensed. Four topics are left out:
``else`` duplicates ``if`` word for word, and ``compound``, ``specialnames`` and ``types`` are
long digests that repeat the other topics.

Queries and judgements: written by hand by the vecstore-lab developers, phrased the way a user
asks (mostly *not* with the topic's own words). Grade 2 = the topic that answers the question,
grade 1 = a topic that helps. Every judgement names a phrase that must occur in the judged
topic, so a rebuilt corpus that no longer says it fails loudly here.

Run with Python 3.11:  python tools/build_python_reference.py [OUT_DIR]
"""

from __future__ import annotations

import json
import pydoc_data.topics
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "vecstore_lab" / "data" / "python_reference"
EXCLUDED = {"else", "compound", "specialnames", "types"}

# (query id, query text, {topic: (grade, phrase that must occur in the topic)})
QUERIES: list[tuple[str, str, dict[str, tuple[int, str]]]] = [
    (
        "q01",
        "how do I stop a loop early",
        {
            "break": (2, "terminates the nearest enclosing loop"),
            "while": (1, "break"),
            "for": (1, "break"),
            "continue": (1, "loop"),
        },
    ),
    (
        "q02",
        "skip the rest of the current loop iteration",
        {
            "continue": (2, "next cycle of the nearest enclosing loop"),
            "for": (1, "continue"),
            "while": (1, "continue"),
        },
    ),
    (
        "q03",
        "run cleanup code even when an error happens",
        {"try": (2, "finally"), "with": (2, "__exit__"), "context-managers": (1, "__exit__")},
    ),
    (
        "q04",
        "define a small anonymous function inline",
        {"lambda": (2, "anonymous functions"), "function": (1, "lambda")},
    ),
    (
        "q05",
        "rebind a variable of the enclosing function from a nested function",
        {"nonlocal": (2, "enclosing scope"), "naming": (1, "nonlocal"), "global": (1, "global")},
    ),
    (
        "q06",
        "assign to a module-level variable inside a function",
        {"global": (2, "global"), "naming": (1, "global"), "nonlocal": (1, "nonlocal")},
    ),
    (
        "q07",
        "which values count as false in a condition",
        {"truth": (2, "considered false"), "booleans": (1, "false"), "if": (1, "true")},
    ),
    (
        "q08",
        "set a breakpoint and step through my program line by line",
        {"debugger": (2, "breakpoint")},
    ),
    (
        "q09",
        "pad a number with leading zeros and align text in a format string",
        {"formatstrings": (2, "zero-padding"), "string-methods": (1, "zfill")},
    ),
    ("q10", "remove whitespace from both ends of a string", {"string-methods": (2, "str.strip")}),
    (
        "q11",
        "get a dictionary value with a default when the key is missing",
        {"typesmapping": (2, "get(key[, default])"), "dict": (1, "key")},
    ),
    (
        "q12",
        "raise a new error while keeping the original exception as its cause",
        {"raise": (2, "__cause__"), "exceptions": (1, "raise"), "try": (1, "exception")},
    ),
    (
        "q13",
        "precedence of and, or and not",
        {"operator-summary": (2, "precedence"), "booleans": (2, "not")},
    ),
    (
        "q14",
        "integer division and the remainder of a division",
        {"binary": (2, "floor division"), "numeric-types": (1, "__floordiv__")},
    ),
    (
        "q15",
        "write numbers in hexadecimal, octal or binary notation",
        {"integers": (2, "hexinteger"), "numbers": (1, "integer")},
    ),
    (
        "q16",
        "complex numbers with a j suffix",
        {"imaginary": (2, "imaginary"), "numbers": (1, "imaginary")},
    ),
    ("q17", "raise a number to a power with a negative exponent", {"power": (2, "negative")}),
    (
        "q18",
        "make my own objects usable in a with block",
        {"context-managers": (2, "__enter__"), "with": (2, "__enter__")},
    ),
    (
        "q19",
        "support len() and indexing in my own container class",
        {
            "sequence-types": (2, "__len__"),
            "subscriptions": (1, "__getitem__"),
            "slicings": (1, "__getitem__"),
        },
    ),
    (
        "q20",
        "overload the + operator for a class",
        {"numeric-types": (2, "__add__"), "binary": (1, "__add__")},
    ),
    (
        "q21",
        "control how an object is shown when printed or inspected",
        {"customization": (2, "__repr__")},
    ),
    (
        "q22",
        "intercept access to attributes that do not exist",
        {"attribute-access": (2, "__getattr__"), "attribute-references": (1, "AttributeError")},
    ),
    ("q23", "produce values lazily one at a time from a function", {"yield": (2, "generator")}),
    (
        "q24",
        "write asynchronous functions and wait for coroutines",
        {"async": (2, "coroutine"), "await": (2, "coroutine")},
    ),
    (
        "q25",
        "check whether an item is contained in a list",
        {"in": (2, "membership"), "comparisons": (1, "in"), "typesseq": (1, "x in s")},
    ),
    (
        "q26",
        "compare two objects by identity rather than equality",
        {"comparisons": (2, "Identity comparisons"), "objects": (1, "identity")},
    ),
    (
        "q27",
        "append or extend items at the end of a list",
        {"typesseq-mutable": (2, "s.append(x)"), "typesseq": (1, "list")},
    ),
    (
        "q28",
        "use code defined in another module",
        {"import": (2, "import"), "typesmodules": (1, "module")},
    ),
    (
        "q29",
        "unpack a tuple into several variables at once",
        {"assignment": (2, "target list"), "exprlists": (1, "tuple")},
    ),
    ("q30", "increment a variable in place with +=", {"augassign": (2, "augmented assignment")}),
    (
        "q31",
        "remove a name binding or delete an item from a list",
        {"del": (2, "deletion"), "typesseq-mutable": (1, "del s[i:j]")},
    ),
    (
        "q32",
        "check an internal condition while debugging and fail loudly when it is false",
        {"assert": (2, "debugging assertions")},
    ),
    ("q33", "escape sequences and raw string literals", {"strings": (2, "escape sequences")}),
    (
        "q34",
        "build a dictionary with a comprehension",
        {"dict": (2, "comprehension"), "typesmapping": (1, "dict")},
    ),
    (
        "q35",
        "keyword arguments and default parameter values",
        {"function": (2, "default parameter values"), "calls": (2, "keyword arguments")},
    ),
    (
        "q36",
        "take every second element of a sequence with a step",
        {"slicings": (2, "stride"), "typesseq": (1, "step"), "subscriptions": (1, "sequence")},
    ),
    (
        "q37",
        "how a name is looked up in local, enclosing, global and built-in scopes",
        {"naming": (2, "scope"), "execmodel": (1, "scope")},
    ),
    ("q38", "define a class that inherits from a base class", {"class": (2, "inheritance")}),
    (
        "q39",
        "methods bound to an instance and the self argument",
        {"typesmethods": (2, "bound method"), "class": (1, "method")},
    ),
    ("q40", "a statement that does nothing, as a placeholder", {"pass": (2, "placeholder")}),
    (
        "q41",
        "bitwise and, or and xor of integers",
        {"bitwise": (2, "bitwise"), "shifting": (1, "shift"), "unary": (1, "bitwise")},
    ),
    (
        "q42",
        "what happens when int and float are mixed in arithmetic",
        {"conversions": (2, "floating point"), "binary": (1, "common type")},
    ),
    (
        "q43",
        "the object functions return when they return nothing",
        {"bltin-null-object": (2, "None"), "return": (1, "None")},
    ),
    (
        "q44",
        "exit a function and hand a value back to the caller",
        {"return": (2, "leaves the current function call"), "function": (1, "return")},
    ),
    (
        "q45",
        "catch several exception types in one handler",
        {"try": (2, "except"), "exceptions": (1, "except")},
    ),
]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else OUT
    if sys.version_info[:2] != (3, 11):
        print("build with Python 3.11: the committed corpus is its pydoc topics", file=sys.stderr)
        return 1
    topics = {k: v for k, v in pydoc_data.topics.topics.items() if k not in EXCLUDED}
    problems = []
    for qid, _, judged in QUERIES:
        for topic, (_, phrase) in judged.items():
            if topic not in topics:
                problems.append(f"{qid}: unknown topic {topic!r}")
            elif phrase.lower() not in topics[topic].lower():
                problems.append(f"{qid}: {topic!r} does not say {phrase!r}")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    (out / "qrels").mkdir(parents=True, exist_ok=True)
    with (out / "corpus.jsonl").open("w", encoding="utf-8") as f:
        for topic in sorted(topics):
            title, _, body = topics[topic].partition("\n")
            body = re.sub(r"^\*+\n", "", body.lstrip("\n")).strip()
            row = {"_id": topic, "title": title.strip(), "text": body}
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    with (out / "queries.jsonl").open("w", encoding="utf-8") as f:
        for qid, text, _ in QUERIES:
            f.write(json.dumps({"_id": qid, "text": text}) + "\n")
    with (out / "qrels" / "test.tsv").open("w", encoding="utf-8") as f:
        f.write("query-id\tcorpus-id\tscore\n")
        for qid, _, judged in QUERIES:
            for topic, (grade, _) in judged.items():
                f.write(f"{qid}\t{topic}\t{grade}\n")
    print(f"{len(topics)} documents, {len(QUERIES)} queries -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
