"""Syntax-checks Swift files with tree-sitter-swift (no Swift compiler runs here).

Two valid constructs that UniFFI generates confuse the parser and are neutralised
first: an `#if swift(>=5.8)` block around `@_documentation(visibility: private)`,
and the empty closure `{ () }`. This is a syntax check only, not a compile.
It then checks that every method the samples call on a `ChatClient` (`client.name(`)
is declared in the generated bindings or ChatKit, which catches a renamed SDK call
that a syntax check cannot. Prints one line per check and "N passed, N failed".

Usage: swift_syntax_check.py <generated chat_ffi.swift> <sample .swift files...>
"""

import re
import sys

import tree_sitter
import tree_sitter_swift

DOC_ATTRIBUTE = re.compile(
    r"#if swift\(>=5\.8\)\s*@_documentation\(visibility: private\)\s*#endif"
)


def neutralise(text: str) -> str:
    return DOC_ATTRIBUTE.sub("", text).replace("{ () }", "{ }")


def first_error(node):
    if node.type == "ERROR" or node.is_missing:
        return node
    for child in node.children:
        found = first_error(child)
        if found is not None:
            return found
    return None


def main(paths):
    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_swift.language()))
    failed = 0
    for path in paths:
        with open(path, encoding="utf-8") as file:
            tree = parser.parse(neutralise(file.read()).encode())
        error = first_error(tree.root_node)
        if error is not None:
            failed += 1
            line, column = error.start_point
            print(f"FAIL {path}:{line + 1}:{column + 1}: syntax error")
        else:
            print(f"PASS {path}")
    checks = len(paths) + 1
    texts = {path: open(path, encoding="utf-8").read() for path in paths}
    declared = {name for text in texts.values() for name in re.findall(r"\bfunc (\w+)\(", text)}
    called = {
        (path, name)
        for path, text in texts.items()
        for name in re.findall(r"\bclient\??\.(\w+)\(", text)
    }
    unknown = sorted(f"{path}: {name}" for path, name in called if name not in declared)
    if unknown or not called:
        failed += 1
        print(f"FAIL ChatClient calls in the samples exist in the bindings: {unknown}")
    else:
        print(f"PASS ChatClient calls in the samples exist in the bindings ({len(called)} calls)")
    print(f"{checks - failed} passed, {failed} failed")
    return 1 if failed or not paths else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
