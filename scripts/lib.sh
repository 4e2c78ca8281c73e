# Shared shell helpers for the project's scripts. Source it; do not run it.
# The cache lives outside the repository so that a fresh clone on the same machine reuses it.
GCI_CACHE="${GO_CORE_INSPECTOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/go-core-inspector}"
export GO_CORE_INSPECTOR_CACHE="$GCI_CACHE"
GCI_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Default and full sets. Versions are Go minor releases; Delves are Debian package versions.
GCI_GO_DEFAULT="1.19 1.22 1.24 1.27"
GCI_GO_ALL="1.19 1.21 1.22 1.23 1.24 1.25 1.26 1.27"
GCI_DELVES="1.20.2 1.24.0 1.27.1"

gci_log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
gci_die() { printf '[%s] error: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }

# Go versions selected by GCI_GO_VERSIONS (space-separated), "all", or the default set.
gci_go_versions() {
  case "${GCI_GO_VERSIONS:-default}" in
    default) echo "$GCI_GO_DEFAULT" ;;
    all) echo "$GCI_GO_ALL" ;;
    *) echo "$GCI_GO_VERSIONS" ;;
  esac
}
gci_goroot() { echo "$GCI_CACHE/toolchains/go$1/root/usr/lib/go-$1"; }
# qemu-user (static) for the linux/arm64 fixtures, from this Debian suite.
GCI_QEMU_SUITE=trixie
gci_qemu_aarch64() { echo "$GCI_CACHE/qemu-user/root/usr/bin/qemu-aarch64"; }
# C cross compiler for linux/arm64 cgo fixtures (scripts/provision): gcc of this Debian suite.
GCI_CROSS_CC_SUITE=bookworm
GCI_CROSS_GCC_MAJOR=12
gci_cross_cc() { echo "$GCI_CACHE/cross-cc/aarch64/bin/aarch64-linux-gnu-gcc"; }
gci_dlv() { echo "$GCI_CACHE/delve/$1/root/usr/bin/dlv"; }
