"""Syntax-checks Swift files with tree-sitter-swift (no Swift compiler runs here).

Two valid constructs that UniFFI generates confuse the parser and are neutralised
first: an `#if swift(>=5.8)` block around `@_documentation(visibility: private)`,
and the empty closure `{ () }`. This is a syntax check only, not a compile.
Prints one line per failing file and "N passed, N failed".
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
    print(f"{len(paths) - failed} passed, {failed} failed")
    return 1 if failed or not paths else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
