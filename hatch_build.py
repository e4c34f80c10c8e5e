"""Wheel build hook: vendor YASGUI (npm's @zazuko/yasgui, installed by `npm ci` in web/) into the wheel, so that
the page `tppo-graph serve` shows needs no CDN. Without web/node_modules the wheel is built without it and the
served page says how to add it."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

FILES = ("yasgui.min.js", "yasgui.min.css")


class VendorYasgui(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        package = Path(self.root) / "web" / "node_modules" / "@zazuko" / "yasgui"
        if not all((package / "build" / name).is_file() for name in FILES):
            self.app.display_warning("web/node_modules has no YASGUI (npm ci in web/): the wheel ships without it")
            return
        for name in FILES:
            build_data["force_include"][str(package / "build" / name)] = f"tppo_graph/_vendor/yasgui/{name}"
        meta = json.loads((package / "package.json").read_text(encoding="utf-8"))
        self._scratch = Path(tempfile.mkdtemp(prefix="tppo-graph-build-"))
        notice = self._scratch / "NOTICE.txt"
        notice.write_text(
            f"{meta['name']} {meta['version']}, licence {meta.get('license', 'see the package')}, "
            f"by {meta.get('author', 'its authors')}; vendored unchanged from the npm registry.\n",
            encoding="utf-8",
        )
        build_data["force_include"][str(notice)] = "tppo_graph/_vendor/yasgui/NOTICE.txt"

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        scratch = getattr(self, "_scratch", None)
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
