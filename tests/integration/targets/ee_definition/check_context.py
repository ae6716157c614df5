"""Checks the build context that ansible-builder generated from meta/execution-environment.yml.

Usage: check_context.py COLLECTION_ROOT CONTEXT_DIR WORK_DIR
"""

import os
import re
import subprocess
import sys
import tarfile


from packaging.requirements import Requirement


def fail(message):
    print(f"FAILED: {message}")
    sys.exit(1)


def requirement_names(path):
    """The package names of a pip requirements file, without comments and blank lines."""
    names = set()
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.split("#", 1)[0].strip()
            if line:
                names.add(Requirement(line).name.lower())
    return names


def documented(readme):
    """The values of the table rows 'Base image', 'Python', 'ansible-core' and 'ansible-runner' in extensions/awx/README.md."""
    values = {}
    with open(readme, encoding="utf-8") as handle:
        for line in handle:
            match = re.match(r"^\|\s*(Base image|Python|ansible-core|ansible-runner)\s*\|\s*`([^`]+)`", line)
            if match:
                values[match.group(1)] = match.group(2)
    missing = {"Base image", "Python", "ansible-core", "ansible-runner"} - set(values)
    if missing:
        fail(f"{readme} does not document {sorted(missing)}")
    return values


def build_args(containerfile):
    """The ARG defaults at the top of the Containerfile."""
    with open(containerfile, encoding="utf-8") as handle:
        return dict(re.findall(r'^ARG (\w+)="([^"]*)"$', handle.read(), re.MULTILINE))


def introspect(script, collections_dir, user_pip, output):
    """Runs the introspection script of the context the way the builder stage of the Containerfile does."""
    command = [sys.executable, script, "introspect", collections_dir, f"--write-pip={output}", f"--write-bindep={output}.bindep"]
    if user_pip:
        command.append(f"--user-pip={user_pip}")
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    print(result.stdout + result.stderr)
    if result.returncode != 0:
        return None
    return requirement_names(output) if os.path.exists(output) else set()


def main():
    collection, context, work = sys.argv[1:4]
    containerfile = os.path.join(context, "Containerfile")
    if not os.path.isfile(containerfile):
        fail(f"no Containerfile in {context}: {sorted(os.listdir(context))}")
    with open(containerfile, encoding="utf-8") as handle:
        containerfile_text = handle.read()

    # The image is what extensions/awx/README.md says it is, with the ansible-core the collection's tests run.
    docs = documented(os.path.join(collection, "extensions", "awx", "README.md"))
    args = build_args(containerfile)
    print(f"Build arguments: {args}")
    print(f"Documented: {docs}")
    checks = {
        "base image": (args.get("EE_BASE_IMAGE"), docs["Base image"]),
        "Python": (args.get("PYCMD"), f"/usr/bin/python{docs['Python']}"),
        "Python package": (args.get("PYPKG"), f"python{docs['Python']}"),
        "ansible-core and ansible-runner": (args.get("ANSIBLE_INSTALL_REFS"), f"{docs['ansible-core']} {docs['ansible-runner']}"),
    }
    with open(os.path.join(collection, "tests", "requirements.txt"), encoding="utf-8") as handle:
        tested_core = re.search(r"^ansible-core==\S+", handle.read(), re.MULTILINE).group(0)
    checks["ansible-core of the tests"] = (docs["ansible-core"], tested_core)
    for name, (actual, expected) in checks.items():
        if actual != expected:
            fail(f"{name}: {actual!r}, expected {expected!r}")

    # The collection's Python requirements reach the build: the context carries them as the user's requirements, the
    # builder stage hands them to the introspection, and the introspection (run here on the context's own script, with
    # no collection installed, as in the image) passes every one of them on to the wheel build.
    wanted = requirement_names(os.path.join(collection, "requirements.txt"))
    if not {"requests", "cryptography", "dnspython"} <= wanted:
        fail(f"requirements.txt of the collection lists {sorted(wanted)}")
    in_context = requirement_names(os.path.join(context, "_build", "requirements.txt"))
    if not wanted <= in_context:
        fail(f"_build/requirements.txt has {sorted(in_context)}, missing {sorted(wanted - in_context)}")
    for line in ("COPY _build/requirements.txt requirements.txt", "--user-pip=requirements.txt"):
        if line not in containerfile_text:
            fail(f"the Containerfile does not contain {line!r}")
    empty = os.path.join(work, "no-collections")
    os.makedirs(empty, exist_ok=True)
    passed_on = introspect(os.path.join(context, "_build", "scripts", "introspect.py"), empty,
                           os.path.join(context, "_build", "requirements.txt"), os.path.join(work, "introspected.txt"))
    if passed_on is None or not wanted <= passed_on:
        fail(f"the introspection passes on {passed_on}, expected {sorted(wanted)}")

    # A build that installs the collection artifact (from Galaxy, a tarball or git) reads its dependencies from the
    # artifact's meta/execution-environment.yml when it has one, else from requirements.txt at its root.
    artifacts = os.path.join(work, "artifact")
    subprocess.run(["ansible-galaxy", "collection", "build", collection, "--output-path", artifacts, "--force"], check=True)
    [tarball] = [os.path.join(artifacts, name) for name in os.listdir(artifacts) if name.endswith(".tar.gz")]
    with tarfile.open(tarball) as archive:
        carries_definition = "meta/execution-environment.yml" in archive.getnames()
    if carries_definition:
        # Its python file lies outside the installed collection: an image that installs the artifact would fail.
        fail("the collection artifact carries meta/execution-environment.yml; it belongs in build_ignore (galaxy.yml)")
    installed = os.path.join(work, "installed")
    subprocess.run(["ansible-galaxy", "collection", "install", tarball, "-p", installed, "--offline", "--force"], check=True)
    from_artifact = introspect(os.path.join(context, "_build", "scripts", "introspect.py"), installed, None,
                               os.path.join(work, "introspected-artifact.txt"))
    if from_artifact is None or not wanted <= from_artifact:
        fail(f"the introspection of the installed artifact finds {from_artifact}, expected {sorted(wanted)}")
    print(f"OK: {containerfile} builds {docs['Base image']} with Python {docs['Python']}, {docs['ansible-core']},"
          f" {docs['ansible-runner']} and {', '.join(sorted(wanted))}")


if __name__ == "__main__":
    main()
