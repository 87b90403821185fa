#!/usr/bin/env python3
"""check-flatpak.py MANIFEST — the Flatpak manifest is what the project needs.

Building it needs the GNOME runtime from Flathub, which CI cannot reach, so
this checks its shape: valid JSON, the app id, a GNOME runtime new enough
for GTK 4.8, libadwaita 1.2 and GStreamer 1.22 (GNOME 45 or later), the
module built from this checkout with meson and run-tests, and the
finish-args the console needs.
"""
import json
import sys

manifest = json.load(open(sys.argv[1]))
problems = []

if manifest.get("id") != "io.github.callboard.Callboard":
    problems.append("id is not io.github.callboard.Callboard")
if manifest.get("runtime") != "org.gnome.Platform" or manifest.get("sdk") != "org.gnome.Sdk":
    problems.append("not on the GNOME runtime")
try:
    if int(manifest.get("runtime-version", "0")) < 45:
        problems.append("runtime older than GNOME 45 lacks GStreamer 1.22")
except ValueError:
    problems.append("runtime-version is not a GNOME release number")
if manifest.get("command") != "callboard":
    problems.append("command is not callboard")

needed = {"--share=network", "--share=ipc", "--socket=wayland", "--socket=fallback-x11",
          "--socket=pulseaudio", "--device=dri", "--talk-name=org.freedesktop.secrets"}
missing = needed - set(manifest.get("finish-args", []))
if missing:
    problems.append("finish-args lack " + ", ".join(sorted(missing)))

app = [m for m in manifest.get("modules", []) if isinstance(m, dict) and m.get("name") == "callboard"]
if not app:
    problems.append("no callboard module")
else:
    m = app[0]
    if m.get("buildsystem") != "meson":
        problems.append("callboard is not built with meson")
    if not m.get("run-tests"):
        problems.append("run-tests is off")
    if not any(s.get("type") == "dir" and s.get("path") == ".." for s in m.get("sources", [])):
        problems.append("the module does not build from the checkout")

for p in problems:
    print("not ok:", p)
print("ok: flatpak manifest" if not problems else "")
sys.exit(1 if problems else 0)
