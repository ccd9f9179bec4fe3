# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make ee-context`: docs/execution-environment.yml makes a build context that brings our requirements.

No container engine runs here, so the image itself is not built. What can go wrong before that is
checked instead: `ansible-builder create` accepts the example definition and writes a complete
context; the context's own introspection script, run the way the image build runs it on the
installed collection, finds our requirements.txt and bindep.txt through meta/execution-environment.yml;
and a variant that installs a local tarball instead of the Galaxy release makes a context too.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import yaml
from packaging.requirements import InvalidRequirement, Requirement

from collection_build import (BIN, NAME, NAMESPACE, ROOT, CheckFailed, build_tarball, clean_copy, install_tarball,
                              run)

EXAMPLE = ROOT / "docs" / "execution-environment.yml"
CONTEXT_FILES = ("Containerfile", "_build/requirements.yml", "_build/scripts/introspect.py", "_build/scripts/assemble",
                 "_build/scripts/install-from-bindep", "_build/scripts/pip_install", "_build/scripts/check_ansible",
                 "_build/scripts/check_galaxy", "_build/scripts/entrypoint")
# A runtime requirement with one of these can never be satisfied together with another collection's.
PINNING_OPERATORS = ("==", "===", "<", "<=", "~=")
ATTRIBUTION = f"# from collection {NAMESPACE}.{NAME}"


def requirement_lines(path: Path) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line]


def check_runtime_requirements() -> list[str]:
    """requirements.txt names what the modules import, with no pins or upper bounds."""
    requirements = requirement_lines(ROOT / "requirements.txt")
    for line in requirements:
        try:
            requirement = Requirement(line)
        except InvalidRequirement as error:
            raise CheckFailed(f"requirements.txt: {line!r} is not a requirement: {error}") from error
        pinned = [str(spec) for spec in requirement.specifier if spec.operator in PINNING_OPERATORS]
        if pinned:
            raise CheckFailed(f"requirements.txt pins or caps {requirement.name} ({', '.join(pinned)}): "
                              "execution environments combine many collections, so give lower bounds only")
    if not requirements:
        raise CheckFailed("requirements.txt lists nothing, but the modules need requests")
    return requirements


def create_context(definition: Path, context: Path) -> None:
    run([BIN / "ansible-builder", "create", "-f", definition, "--context", context,
         "--output-filename", "Containerfile"])
    missing = [name for name in CONTEXT_FILES if not (context / name).is_file()]
    if missing:
        raise CheckFailed(f"ansible-builder create left out {missing} from {context}")


def check_example_context(context: Path) -> None:
    create_context(EXAMPLE, context)
    containerfile = (context / "Containerfile").read_text(encoding="utf-8")
    definition = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    expectations = {
        "base image": f'ARG EE_BASE_IMAGE="{definition["images"]["base_image"]["name"]}"',
        "Python the image runs Ansible with": 'ARG PYCMD="/usr/bin/python3.12"',
        "ansible-core and ansible-runner": 'ARG ANSIBLE_INSTALL_REFS="ansible-core>=2.16 ansible-runner"',
        "collection install": "ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml",
        "collection requirements introspection": "introspect.py introspect",
    }
    absent = [what for what, text in expectations.items() if text not in containerfile]
    if absent:
        raise CheckFailed(f"the Containerfile made from {EXAMPLE.name} lacks: {', '.join(absent)}")
    galaxy = yaml.safe_load((context / "_build" / "requirements.yml").read_text(encoding="utf-8"))
    names = [collection["name"] for collection in galaxy.get("collections", [])]
    if f"{NAMESPACE}.{NAME}" not in names:
        raise CheckFailed(f"the context's galaxy requirements install {names}, not {NAMESPACE}.{NAME}")


def check_introspection(context: Path, collections_path: Path, work: Path, requirements: list[str]) -> None:
    """Run the context's introspect.py on the installed collection, as the image build's builder stage does."""
    pip_out, bindep_out = work / "introspected-requirements.txt", work / "introspected-bindep.txt"
    run([sys.executable, context / "_build" / "scripts" / "introspect.py", "introspect", collections_path,
         "--write-pip", pip_out, "--write-bindep", bindep_out])
    introspected_pip = pip_out.read_text(encoding="utf-8").splitlines()
    for requirement in requirements:
        if f"{requirement}  {ATTRIBUTION}" not in introspected_pip:
            raise CheckFailed(f"the image build would not install {requirement!r} for {NAMESPACE}.{NAME}; "
                              f"introspection found {introspected_pip}")
    introspected_bindep = bindep_out.read_text(encoding="utf-8").splitlines() if bindep_out.exists() else []
    for package in requirement_lines(ROOT / "bindep.txt"):
        if f"{package}  {ATTRIBUTION}" not in introspected_bindep:
            raise CheckFailed(f"the image build would not install system package {package!r} for "
                              f"{NAMESPACE}.{NAME}; introspection found {introspected_bindep}")
    # bindep itself must accept the merged file the image build hands it.
    run([BIN / "bindep", "--file", bindep_out, "--list_all", "newline"])


def check_local_tarball_context(tarball: Path, work: Path) -> None:
    """The example, installing a tarball shipped in the context: how to build before publishing to Galaxy."""
    definition = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    definition["dependencies"]["galaxy"] = {"collections": [{"name": f"tarballs/{tarball.name}", "type": "file"}]}
    definition["additional_build_files"] = [{"src": str(tarball), "dest": "tarballs"}]
    local_definition = work / "execution-environment-local.yml"
    local_definition.write_text(yaml.safe_dump(definition), encoding="utf-8")
    context = work / "context-local"
    create_context(local_definition, context)
    if not (context / "_build" / "tarballs" / tarball.name).is_file():
        raise CheckFailed("the local-tarball context does not contain the tarball")


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="ocp-ee-") as tmp:
        work = Path(tmp)
        try:
            requirements = check_runtime_requirements()
            context = work / "context"
            check_example_context(context)
            tarball = build_tarball(clean_copy(work / "source"), work / "dist")
            # Where the image build's galaxy stage installs collections, minus the container.
            collections_path = work / "usr-share-ansible-collections"
            install_tarball(tarball, collections_path)
            check_introspection(context, collections_path, work, requirements)
            check_local_tarball_context(tarball, work)
        except CheckFailed as failure:
            print(f"execution environment check FAILED: {failure}", file=sys.stderr)
            return 1
    print(f"ansible-builder context from {EXAMPLE.relative_to(ROOT)} is complete; the image build would add "
          f"{', '.join(requirements)} and the packages of bindep.txt for {NAMESPACE}.{NAME}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
