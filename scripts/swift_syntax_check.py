"""Checks the Swift side as far as this Linux machine can (no Swift compiler runs here:
this is NOT a compile). Three checks, each printed, then "N passed, N failed":

1. the generated C headers (one per Rust crate whose types the bindings expose:
   chat_ffiFFI.h, chat_sdkFFI.h, chat_protocolFFI.h), all included from one C file as
   the XCFramework's module map does, pass clang's -fsyntax-only -Wall -Werror (clang,
   as Xcode's would: the headers use clang's nullability qualifiers);
2. the generated bindings (one .swift file per crate, all compiled into the ChatKit
   module) and every sample .swift file parse (tree-sitter-swift). Two
   valid constructs that UniFFI generates confuse the parser and are neutralised first:
   an `#if swift(>=5.8)` block around `@_documentation(visibility: private)`, and the
   empty closure `{ () }`;
3. every method the samples call on a `ChatClient` (`client.name(`) is declared in the
   generated bindings or ChatKit, which catches a renamed SDK call that a syntax check
   cannot.

Usage: swift_syntax_check.py <dir with the generated .swift and FFI.h files> <sample .swift files...>
"""

import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

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


def headers_compile(generated: pathlib.Path, headers: list[str]) -> tuple[bool, str]:
    clang = shutil.which("clang-19") or shutil.which("clang")
    if clang is None:
        return False, "no clang (scripts/install-deps.sh installs clang-19)"
    with tempfile.TemporaryDirectory() as work:
        source = pathlib.Path(work) / "check.c"
        source.write_text("".join(f'#include "{header}"\n' for header in headers))
        result = subprocess.run(
            [clang, "-fsyntax-only", "-Wall", "-Werror", "-I", str(generated), str(source)],
            capture_output=True,
            text=True,
        )
    return result.returncode == 0, result.stderr.strip()


def main(generated: pathlib.Path, samples: list[str]) -> int:
    results = []

    def check(name, ok, detail=""):
        results.append(ok)
        print(f"{'PASS' if ok else 'FAIL'} {name}" + (f": {detail}" if detail and not ok else ""))

    headers = sorted(path.name for path in generated.glob("*FFI.h"))
    ok, detail = headers_compile(generated, headers) if "chat_ffiFFI.h" in headers else (False, "no chat_ffiFFI.h")
    check(f"{', '.join(headers)} pass clang -fsyntax-only -Wall -Werror together", ok, detail)

    bindings = sorted(str(path) for path in generated.glob("*.swift"))
    paths = [*bindings, *samples]
    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_swift.language()))
    texts = {path: pathlib.Path(path).read_text(encoding="utf-8") for path in paths}
    broken = []
    for path, text in texts.items():
        error = first_error(parser.parse(neutralise(text).encode()).root_node)
        if error is not None:
            line, column = error.start_point
            broken.append(f"{path}:{line + 1}:{column + 1}")
    check(
        f"the {len(bindings)} bindings files and {len(samples)} sample files parse as Swift",
        bool(bindings) and bool(samples) and not broken,
        str(broken),
    )

    declared = {name for text in texts.values() for name in re.findall(r"\bfunc (\w+)\(", text)}
    called = {
        (path, name)
        for path, text in texts.items()
        for name in re.findall(r"\bclient\??\.(\w+)\(", text)
    }
    unknown = sorted(f"{path}: {name}" for path, name in called if name not in declared)
    check(
        f"the samples' {len(called)} ChatClient calls exist in the bindings",
        bool(called) and not unknown,
        str(unknown),
    )
    failed = results.count(False)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1]), sys.argv[2:]))
