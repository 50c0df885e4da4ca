"""Checks the Android sample as far as a machine without the Android SDK can.

Nothing here compiles the app (that needs the Android SDK and Gradle plugins); the
shared Kotlin code is compiled and run on the JVM by kotlin-jvm-test.sh. This script
checks that the Gradle project is complete and consistent:

- every Kotlin file parses (tree-sitter-kotlin; one check for all of them);
- settings.gradle.kts includes exactly the module folders;
- every `libs.*` alias used in a build file exists in the version catalog, and every
  `version.ref` there names a version;
- each module's sources sit in folders matching their packages, under its namespace;
- the manifest's classes and resources exist; where BuildConfig is used, it is
  generated and declares every field used;
- every import of the project's own packages or of the generated bindings
  (`uniffi.chat_ffi`, `uniffi.chat_sdk`, `uniffi.chat_protocol`: one package per Rust
  crate whose types the bindings expose) names something declared there;
- the folders scripts/build-android.sh and scripts/generate-bindings.sh write are the
  ones chatkit's Gradle source sets read, with valid Android ABI names.

Usage: android_project_check.py <android-sample dir> <dir of the generated Kotlin>
Prints PASS/FAIL lines and "N passed, N failed".
"""

import pathlib
import re
import sys
import tomllib

import tree_sitter
import tree_sitter_kotlin

ANDROID_ABIS = {"arm64-v8a", "armeabi-v7a", "x86", "x86_64"}
OWN_PACKAGES = ("com.example.chat", "uniffi.")
DECLARATION = re.compile(
    r"^\s*(?:(?:public|internal|private|protected|open|abstract|sealed|data|enum|"
    r"value|inline|suspend|operator|override|annotation|fun interface)\s+)*"
    r"(?:class|interface|object|typealias|fun|val|var)\s+"
    r"(?:<[^>]*>\s*)?(?:[\w.<>, ?]+\.)?(\w+)",
    re.MULTILINE,
)

results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(f"{'PASS' if ok else 'FAIL'} {name}" + (f": {detail}" if detail and not ok else ""))


def kotlin_files(root):
    return sorted(p for p in root.rglob("*.kt") if "build" not in p.parts)


def package_of(text):
    match = re.search(r"^package\s+([\w.]+)", text, re.MULTILINE)
    return match.group(1) if match else ""


def main(root, generated):
    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_kotlin.language()))
    sources = kotlin_files(root)
    broken = [str(p.relative_to(root)) for p in sources if parser.parse(p.read_bytes()).root_node.has_error]
    check(f"all {len(sources)} Kotlin files parse", bool(sources) and not broken, str(broken))

    settings = (root / "settings.gradle.kts").read_text()
    included = set(re.findall(r'"(:[\w-]+)"', settings))
    modules = {f":{p.parent.name}" for p in root.glob("*/build.gradle.kts")}
    check("settings.gradle.kts includes every module", included == modules, f"{included} vs {modules}")

    catalog = tomllib.loads((root / "gradle/libs.versions.toml").read_text())
    versions = catalog.get("versions", {})
    refs = [
        entry["version"]["ref"] if isinstance(entry.get("version"), dict) else entry.get("version.ref")
        for section in ("libraries", "plugins")
        for entry in catalog.get(section, {}).values()
    ]
    missing = [ref for ref in refs if ref is not None and ref not in versions]
    check("every version.ref names a version", not missing, str(missing))
    build_files = sorted(root.glob("**/build.gradle.kts"))
    code = [re.sub(r"//.*", "", f.read_text()) for f in build_files]
    used = {m for text in code for m in re.findall(r"\blibs\.([\w.]+?)(?:\.get\(\))?\b(?=[)\s,])", text)}
    unknown = []
    for alias in used:
        if alias.startswith("plugins."):
            key, section = alias.removeprefix("plugins.").replace(".", "-"), "plugins"
        else:
            key, section = alias.replace(".", "-"), "libraries"
        if key not in catalog.get(section, {}):
            unknown.append(alias)
    check("every libs.* alias is in the version catalog", not unknown and bool(used), str(unknown))

    declared = {}
    texts = {path: path.read_text() for path in sources}
    for path in sorted(generated.rglob("*.kt")):
        texts[path] = path.read_text()
    for path, text in texts.items():
        declared.setdefault(package_of(text), set()).update(DECLARATION.findall(text))

    for build in build_files:
        module = build.parent
        namespace = re.search(r'namespace\s*=\s*"([\w.]+)"', build.read_text())
        source_root = module / "src/main/kotlin"
        if namespace is None or not source_root.is_dir():
            continue
        wrong = []
        for path in kotlin_files(source_root):
            package = package_of(texts[path])
            folder = ".".join(path.parent.relative_to(source_root).parts)
            if package != folder or not package.startswith(namespace.group(1)):
                wrong.append(str(path.relative_to(root)))
        check(f"{module.name}: packages match folders under {namespace.group(1)}", not wrong, str(wrong))

        manifest = module / "src/main/AndroidManifest.xml"
        if manifest.exists():
            xml = manifest.read_text()
            classes = re.findall(r'android:name="\.(\w+)"', xml)
            absent = [c for c in classes if c not in declared.get(namespace.group(1), set())]
            check(f"{module.name}: manifest classes exist", bool(classes) and not absent, str(absent))
            values = "".join(p.read_text() for p in (module / "src/main/res").rglob("*.xml"))
            resources = re.findall(r'"@(string|style)/([\w.]+)"', xml)
            gone = [f"{kind}/{name}" for kind, name in resources if f'name="{name}"' not in values]
            check(f"{module.name}: manifest resources exist", not gone, str(gone))
        # Only where BuildConfig is used: elsewhere there is nothing to check.
        script = build.read_text()
        fields = set(re.findall(r'buildConfigField\("\w+",\s*"(\w+)"', script))
        uses = {u for p in kotlin_files(module) for u in re.findall(r"BuildConfig\.(\w+)", texts[p])}
        if uses:
            # AGP 8 generates BuildConfig only when asked to.
            enabled = re.search(r"buildConfig\s*=\s*true", script) is not None
            check(
                f"{module.name}: BuildConfig is generated and declares every field used",
                enabled and uses <= fields,
                f"buildConfig = true: {enabled}; undeclared: {uses - fields}",
            )

    unresolved = []
    for path in sources:
        for full in re.findall(r"^import\s+([\w.]+)", texts[path], re.MULTILINE):
            package, _, name = full.rpartition(".")
            if full.startswith(OWN_PACKAGES) and name not in declared.get(package, set()):
                unresolved.append(f"{path.name}: {full}")
    check("imports of the project and the bindings resolve", not unresolved, str(unresolved))

    chatkit = (root / "chatkit/build.gradle.kts").read_text()
    scripts = root.parent / "scripts"
    build_android = (scripts / "build-android.sh").read_text()
    jni_dir = re.search(r"^jni_libs=(\S+)", build_android, re.MULTILINE).group(1)
    abis = re.search(r"^abis=\(([^)]*)\)", build_android, re.MULTILINE).group(1).split()
    check(
        "build-android.sh writes jniLibs where chatkit reads them",
        jni_dir == "android-sample/chatkit/" + re.search(r'jniLibs\.srcDirs\("([^"]+)"', chatkit).group(1),
        jni_dir,
    )
    check("build-android.sh uses Android ABI names", bool(abis) and set(abis) <= ANDROID_ABIS, str(abis))
    out_dir = re.search(r"--language kotlin \\\s*--out-dir (\S+)", (scripts / "generate-bindings.sh").read_text())
    kotlin_dirs = re.search(r"kotlin\.srcDirs\(([^)]*)\)", chatkit).group(1)
    check(
        "generated Kotlin goes into a chatkit source folder",
        out_dir is not None and f'"{out_dir.group(1).removeprefix("android-sample/chatkit/")}"' in kotlin_dirs,
        out_dir.group(1) if out_dir else "no --out-dir",
    )

    failed = results.count(False)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1]).resolve(), pathlib.Path(sys.argv[2]).resolve()))
