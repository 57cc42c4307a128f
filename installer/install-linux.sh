#!/bin/sh
# Install the PrivDesk bundle for the current user (no root needed):
#   the bundle        -> ~/.local/opt/privdesk/
#   a launcher link   -> ~/.local/bin/privdesk
#   the desktop entry -> ~/.local/share/applications/privdesk.desktop
#   the icons         -> ~/.local/share/icons/hicolor/<size>/apps/privdesk.{png,svg}
#
# Usage: ./install-linux.sh [--bundle DIR] [--prefix DIR] [--uninstall]
#   Run it from the unpacked tarball (privdesk/install-linux.sh) or from a checkout after
#   `make installer` (installer/install-linux.sh finds dist/privdesk). --prefix replaces ~/.local.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
prefix="${HOME}/.local"
bundle=""
uninstall=0

while [ $# -gt 0 ]; do
    case "$1" in
        --bundle) bundle="$2"; shift 2 ;;
        --prefix) prefix="$2"; shift 2 ;;
        --uninstall) uninstall=1; shift ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "install-linux.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

if [ "$prefix" = "${HOME}/.local" ]; then
    data_home="${XDG_DATA_HOME:-${prefix}/share}"
else
    data_home="${prefix}/share"
fi
target="${prefix}/opt/privdesk"
applications="${data_home}/applications"
icons="${data_home}/icons/hicolor"

refresh_caches() {
    command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$applications" || true
    command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$icons" || true
}

if [ "$uninstall" -eq 1 ]; then
    rm -rf "$target"
    rm -f "${prefix}/bin/privdesk" "${applications}/privdesk.desktop"
    find "$icons" -path '*/apps/privdesk.*' -type f -exec rm -f {} + 2>/dev/null || true
    refresh_caches
    echo "PrivDesk removed from ${prefix}. Your projects, settings and logs were left where they are."
    exit 0
fi

if [ -z "$bundle" ]; then
    if [ -x "${here}/privdesk" ]; then
        bundle="$here"
    elif [ -x "${here}/../dist/privdesk/privdesk" ]; then
        bundle=$(cd "${here}/../dist/privdesk" && pwd)
    else
        echo "install-linux.sh: no bundle found; build it with 'make installer' or pass --bundle DIR" >&2
        exit 1
    fi
fi
if [ ! -x "${bundle}/privdesk" ] || [ ! -d "${bundle}/share/applications" ]; then
    echo "install-linux.sh: ${bundle} is not a PrivDesk bundle (no privdesk executable or share/ folder)" >&2
    exit 1
fi

# Copy into a fresh folder, then swap it in, so a failed copy never leaves half an installation.
mkdir -p "${prefix}/opt" "${prefix}/bin" "$applications" "$icons"
staging="${target}.partial.$$"
rm -rf "$staging"
cp -R "$bundle" "$staging"
rm -rf "$target"
mv "$staging" "$target"
ln -sf "${target}/privdesk" "${prefix}/bin/privdesk"

# The desktop entry starts the installed executable by its full path (~/.local/bin may not be on PATH).
sed -e "s|^Exec=privdesk|Exec=${target}/privdesk|" -e "/^TryExec=/d" \
    "${bundle}/share/applications/privdesk.desktop" > "${applications}/privdesk.desktop"
chmod 644 "${applications}/privdesk.desktop"
cp -R "${bundle}/share/icons/hicolor/." "$icons/"
refresh_caches

echo "PrivDesk installed in ${target}."
echo "Start it from your desktop's application menu, or run ${prefix}/bin/privdesk."
echo "Check the installation with: ${target}/privdesk --self-test"
