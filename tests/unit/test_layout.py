# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The layout of plugins/ holds: which folder may import which, no folder a heap, and the maps true.

- Layers: each folder of plugins/ may import only the folders LAYERS gives it. Above all, nothing
  a module ships (module_utils/) imports controller-only code (plugin_utils/), and the
  ocp_task_wait module stub imports no supervision code.
- At most MAX_FILES Python files directly in one folder.
- Each folder of module_utils/ and plugin_utils/ opens with a README.md whose table names exactly
  the files and folders in it.
- docs/development.md names every file under plugins/ and extensions/, and nothing that is not there.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ast
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLUGINS = os.path.join(ROOT, 'plugins')
PACKAGE = 'ansible_collections.oceanbase.ocp.'
MAX_FILES = 12

MODULE_SIDE = ('plugins/module_utils/vocabulary', 'plugins/module_utils/client', 'plugins/module_utils/tasks',
               'plugins/module_utils/actions', 'plugins/module_utils/module_support')
# Each folder (or file, without .py) and the folders it may import from, itself included. A
# module_utils layer may import the layers listed before it in MODULE_SIDE.
LAYERS = dict((layer, MODULE_SIDE[:index + 1]) for index, layer in enumerate(MODULE_SIDE))
LAYERS.update({
    # The task-list watcher both the supervision and the event source use (controller-only).
    'plugins/plugin_utils/task_list': MODULE_SIDE[:3] + ('plugins/plugin_utils/task_list',),
    'plugins/plugin_utils/supervision': MODULE_SIDE + ('plugins/plugin_utils/task_list', 'plugins/plugin_utils/supervision'),
    'plugins/plugin_utils/task_events': MODULE_SIDE[:4] + ('plugins/plugin_utils/task_list', 'plugins/plugin_utils/task_events'),
    # The ocp_task lookup's reads: the modules' client and ocp_task_info's shapes, on the controller.
    'plugins/plugin_utils/task_lookup': MODULE_SIDE + ('plugins/plugin_utils/task_lookup',),
    'plugins/lookup': MODULE_SIDE + ('plugins/plugin_utils/task_lookup',),
    'plugins/modules': MODULE_SIDE,
    'plugins/action': MODULE_SIDE + ('plugins/plugin_utils/supervision',),
    'plugins/doc_fragments': (),
    'extensions/eda/plugins/event_source': ('plugins/plugin_utils/task_events',),
})


def _python_files(top):
    for directory, dirs, files in os.walk(os.path.join(ROOT, top)):
        dirs[:] = sorted(name for name in dirs if name != '__pycache__')
        for name in sorted(files):
            if name.endswith('.py'):
                yield os.path.relpath(os.path.join(directory, name), ROOT)


def _layer(path):
    """The LAYERS key a repository path (or a dotted module path turned into one) belongs to."""
    for layer in sorted(LAYERS, key=len, reverse=True):
        if path == layer + '.py' or path == layer or path.startswith(layer + '/'):
            return layer
    return None


def _imports(path):
    """The collection's modules ``path`` imports, as repository paths without .py."""
    with open(os.path.join(ROOT, path)) as handle:
        tree = ast.parse(handle.read(), path)
    found = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + ['%s.%s' % (node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            if name.startswith(PACKAGE):
                found.append(name[len(PACKAGE):].replace('.', '/'))
    return found


CODE = [path for top in ('plugins', 'extensions') for path in _python_files(top)]


@pytest.mark.parametrize('path', CODE)
def test_each_file_imports_only_the_layers_it_may(path):
    layer = _layer(path)
    assert layer is not None, '%s is in no layer of LAYERS: add its folder there' % path
    wrong = set()
    for imported in _imports(path):
        # "from package import name" lists the package itself too: only what lies in a layer counts.
        target = _layer(imported)
        if target is not None and target not in LAYERS[layer]:
            wrong.add('%s (%s)' % (imported, target))
    assert not wrong, '%s (%s) may not import %s' % (path, layer, ', '.join(sorted(wrong)))


def test_the_ocp_task_wait_stub_imports_no_supervision_code():
    imported = _imports('plugins/modules/ocp_task_wait.py')
    assert imported and not [name for name in imported if 'plugin_utils' in name]


def _folders():
    for directory, dirs, _files in os.walk(PLUGINS):
        dirs[:] = sorted(name for name in dirs if name != '__pycache__')
        yield os.path.relpath(directory, ROOT)


@pytest.mark.parametrize('folder', list(_folders()))
def test_no_folder_is_a_heap(folder):
    count = len([name for name in os.listdir(os.path.join(ROOT, folder)) if name.endswith('.py')])
    assert count <= MAX_FILES, '%s holds %d Python files; split it by concern' % (folder, count)


def _entries(folder):
    return set(name for name in os.listdir(os.path.join(ROOT, folder))
               if name != 'README.md' and name != '__pycache__' and not name.endswith('.pyc'))


TABLED = [folder for folder in _folders() if folder.startswith(('plugins/module_utils', 'plugins/plugin_utils'))]


@pytest.mark.parametrize('folder', TABLED)
def test_each_folder_opens_with_a_table_of_what_it_holds(folder):
    readme = os.path.join(ROOT, folder, 'README.md')
    assert os.path.isfile(readme), '%s has no README.md with the table of its files' % folder
    with open(readme) as handle:
        rows = [line for line in handle if line.startswith('| `')]
    named = set(re.match(r'\| `([^`]+)`', row).group(1).rstrip('/') for row in rows)
    assert named == _entries(folder), 'the table of %s/README.md names %s; the folder holds %s' % (
        folder, sorted(named), sorted(_entries(folder)))


def _tree_files():
    files = set()
    for top in ('plugins', 'extensions'):
        for directory, dirs, names in os.walk(os.path.join(ROOT, top)):
            dirs[:] = [name for name in dirs if name != '__pycache__']
            files.update(os.path.relpath(os.path.join(directory, name), ROOT) for name in names
                         if not name.endswith('.pyc'))
    return files


def test_the_development_guide_maps_every_file_and_nothing_else():
    """docs/development.md's "Layout" names each file under plugins/ and extensions/: by its path
    from the repository root, or by its name in the row of the table that names its folder
    (`plugins/module_utils/client/`, ending in a slash; one folder a row)."""
    with open(os.path.join(ROOT, 'docs', 'development.md')) as handle:
        layout = handle.read().split('## Layout', 1)[1].split('\n## ', 1)[0]
    named = set()
    for line in [line for line in layout.splitlines() if line.startswith('|')]:
        tokens = re.findall(r'`([^`\s]+)`', line)
        folders = [token for token in tokens if token.endswith('/') and token.startswith(('plugins/', 'extensions/'))]
        assert len(folders) <= 1, 'one folder a row in docs/development.md: %s' % line
        for token in tokens:
            if token.startswith(('plugins/', 'extensions/')) and not token.endswith('/'):
                named.add(token)
            elif folders and '/' not in token and '.' in token:
                named.add(folders[0] + token)
    tree = _tree_files()
    missing, extra = sorted(tree - named), sorted(named - tree)
    assert not missing and not extra, 'docs/development.md does not name %s, and names what does not exist: %s' % (
        missing, extra)
