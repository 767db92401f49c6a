#!/usr/bin/env bash
# Install the local control-plane tools used by `unideploy sandbox` and the
# cluster tests: etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
# kubectl and kwok, plus sops, age and age-keygen for encrypted values files, and
# helmfile with the helm binary and the kustomize binary it runs (the oracle of the
# helmfile import tests), and Flux's source-controller, kustomize-controller and helm-controller
# (`unideploy sandbox up --gitops flux`, with their CRDs copied beside them into crds/), built from
# their Go modules at the versions pinned in tools/versions.env.
#
# Binaries land in a cache outside the repository:
#   ${UNIDEPLOY_TOOLS_DIR:-~/.cache/unideploy/tools}/<name>-<version>/<name>
# A tool already in the cache is not rebuilt, so a second run takes seconds.
#
# Usage: scripts/setup/install-tools.sh [--print-dir] [--jobs N]
#   --print-dir   print the cache directory and exit
#   --jobs N      go build parallelism (default: number of CPUs)
# Needs: go >= 1.26 on PATH (or GO=/path/to/go), access to a Go module proxy.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
versions_file="$repo_root/tools/versions.env"
tools_dir="${UNIDEPLOY_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/unideploy/tools}"
go_bin="${GO:-go}"
jobs=""

while [[ $# -gt 0 ]]; do
    case "$1" in
        --print-dir) echo "$tools_dir"; exit 0 ;;
        --jobs) jobs="$2"; shift 2 ;;
        -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "install-tools: unknown argument: $1" >&2; exit 2 ;;
    esac
done

log() { printf 'install-tools: %s\n' "$*" >&2; }
die() { printf 'install-tools: error: %s\n' "$*" >&2; exit 1; }

# --- versions: KEY=VALUE lines only, never sourced as shell ---------------
read_version() {
    local key="$1" line
    line="$(grep -E "^${key}=" "$versions_file" | tail -n 1)" || die "$key missing in $versions_file"
    printf '%s' "${line#*=}"
}
KUBERNETES_VERSION="$(read_version KUBERNETES_VERSION)"
ETCD_VERSION="$(read_version ETCD_VERSION)"
KWOK_VERSION="$(read_version KWOK_VERSION)"
SOPS_VERSION="$(read_version SOPS_VERSION)"
AGE_VERSION="$(read_version AGE_VERSION)"
HELMFILE_VERSION="$(read_version HELMFILE_VERSION)"
HELM_VERSION="$(read_version HELM_VERSION)"
KUSTOMIZE_VERSION="$(read_version KUSTOMIZE_VERSION)"
SOURCE_CONTROLLER_VERSION="$(read_version SOURCE_CONTROLLER_VERSION)"
KUSTOMIZE_CONTROLLER_VERSION="$(read_version KUSTOMIZE_CONTROLLER_VERSION)"
HELM_CONTROLLER_VERSION="$(read_version HELM_CONTROLLER_VERSION)"
# Staging modules are versioned v0.<minor>.<patch> for Kubernetes v1.<minor>.<patch>.
STAGING_VERSION="v0.${KUBERNETES_VERSION#v1.}"
k8s_minor="${KUBERNETES_VERSION#v1.}"; k8s_minor="${k8s_minor%%.*}"

bin_path() { printf '%s/%s-%s/%s' "$tools_dir" "$1" "$2" "$1"; }
have() { [[ -x "$(bin_path "$1" "$2")" && -f "$tools_dir/$1-$2/.complete" ]]; }

mkdir -p "$tools_dir"
# One installer at a time per cache (CI jobs and developers may overlap).
if command -v flock >/dev/null 2>&1; then
    exec 9>"$tools_dir/.install.lock"
    flock 9
fi

need_build() {
    local name version
    for spec in "$@"; do
        name="${spec%%@*}"; version="${spec#*@}"
        have "$name" "$version" || return 0
    done
    return 1
}

go_env() {
    command -v "$go_bin" >/dev/null 2>&1 || die "go not found (set GO=/path/to/go); Go >= 1.26 is needed"
    local have_go minor
    have_go="$("$go_bin" env GOVERSION)"            # e.g. go1.26.8
    minor="${have_go#go1.}"; minor="${minor%%.*}"
    if [[ "$have_go" != go1.* || ! "$minor" =~ ^[0-9]+$ || "$minor" -lt 26 ]]; then
        die "$have_go is too old: Kubernetes $KUBERNETES_VERSION needs Go >= 1.26 (set GO=/path/to/go)"
    fi
    export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
    export GOFLAGS="${GOFLAGS:--buildvcs=false}"
    # The checksum database is often only reachable through the module proxy.
    if [[ -z "${GOSUMDB:-}" ]]; then
        export GOSUMDB="sum.golang.org https://proxy.golang.org/sumdb/sum.golang.org"
    fi
}

# render_module <template> <build dir> -- writes go.mod with versions filled in
render_module() {
    local template="$1" build="$2"
    mkdir -p "$build"
    sed -e "s/@KUBERNETES_VERSION@/$KUBERNETES_VERSION/g" \
        -e "s/@ETCD_VERSION@/$ETCD_VERSION/g" \
        -e "s/@KWOK_VERSION@/$KWOK_VERSION/g" \
        -e "s/@SOPS_VERSION@/$SOPS_VERSION/g" \
        -e "s/@AGE_VERSION@/$AGE_VERSION/g" "$template" >"$build/go.mod.new"
    if [[ "$template" == */kube/go.mod.in ]]; then
        {
            echo
            echo "replace ("
            grep -vE '^\s*(#|$)' "$repo_root/tools/kube/staging-modules.txt" | while read -r mod; do
                printf '\tk8s.io/%s => k8s.io/%s %s\n' "$mod" "$mod" "$STAGING_VERSION"
            done
            echo ")"
        } >>"$build/go.mod.new"
    fi
    # Re-tidy only when the rendered module changed (keeps warm runs fast).
    if ! cmp -s "$build/go.mod.new" "$build/go.mod.rendered" 2>/dev/null; then
        cp "$build/go.mod.new" "$build/go.mod"
        rm -f "$build/go.sum"
        log "resolving modules in $build"
        (cd "$build" && "$go_bin" mod tidy)
        cp "$build/go.mod.new" "$build/go.mod.rendered"
    fi
    rm -f "$build/go.mod.new"
}

# install_built <name> <version> <file> -- move a built binary into the cache
install_built() {
    local name="$1" version="$2" file="$3" dest
    dest="$tools_dir/$name-$version"
    mkdir -p "$dest"
    mv -f "$file" "$dest/$name"
    chmod 0755 "$dest/$name"
    touch "$dest/.complete"
}

build_kube() {
    need_build "kube-apiserver@$KUBERNETES_VERSION" "kube-controller-manager@$KUBERNETES_VERSION" \
        "kube-scheduler@$KUBERNETES_VERSION" "kubectl@$KUBERNETES_VERSION" || return 0
    go_env
    local build="$tools_dir/.build/kube-$KUBERNETES_VERSION" out ldflags pkg
    render_module "$repo_root/tools/kube/go.mod.in" "$build"
    out="$build/bin"; mkdir -p "$out"
    ldflags="-s -w"
    for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
        ldflags+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$k8s_minor"
        ldflags+=" -X $pkg.gitTreeState=clean"
    done
    log "building Kubernetes $KUBERNETES_VERSION (kube-apiserver, kube-controller-manager," \
        "kube-scheduler, kubectl); a cold build takes 15-30 min on 2 cores"
    (cd "$build" && CGO_ENABLED=0 "$go_bin" build ${jobs:+-p "$jobs"} -trimpath -ldflags "$ldflags" -o "$out/" \
        k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
        k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl)
    for name in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
        install_built "$name" "$KUBERNETES_VERSION" "$out/$name"
    done
}

build_etcd() {
    need_build "etcd@$ETCD_VERSION" || return 0
    go_env
    local build="$tools_dir/.build/etcd-$ETCD_VERSION"
    render_module "$repo_root/tools/etcd/go.mod.in" "$build"
    log "building etcd $ETCD_VERSION"
    (cd "$build" && CGO_ENABLED=0 "$go_bin" build ${jobs:+-p "$jobs"} -trimpath -ldflags "-s -w" \
        -o "$build/etcd" go.etcd.io/etcd/server/v3)
    install_built etcd "$ETCD_VERSION" "$build/etcd"
}

build_kwok() {
    need_build "kwok@$KWOK_VERSION" || return 0
    go_env
    local build="$tools_dir/.build/kwok-$KWOK_VERSION"
    render_module "$repo_root/tools/kwok/go.mod.in" "$build"
    log "building kwok $KWOK_VERSION"
    (cd "$build" && CGO_ENABLED=0 "$go_bin" build ${jobs:+-p "$jobs"} -trimpath \
        -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION" \
        -o "$build/kwok" sigs.k8s.io/kwok/cmd/kwok)
    install_built kwok "$KWOK_VERSION" "$build/kwok"
}

build_sops() {
    need_build "sops@$SOPS_VERSION" || return 0
    go_env
    local build="$tools_dir/.build/sops-$SOPS_VERSION"
    render_module "$repo_root/tools/sops/go.mod.in" "$build"
    log "building sops $SOPS_VERSION"
    (cd "$build" && CGO_ENABLED=0 "$go_bin" build ${jobs:+-p "$jobs"} -trimpath -ldflags "-s -w" \
        -o "$build/sops" github.com/getsops/sops/v3/cmd/sops)
    install_built sops "$SOPS_VERSION" "$build/sops"
}

build_age() {
    need_build "age@$AGE_VERSION" "age-keygen@$AGE_VERSION" || return 0
    go_env
    local build="$tools_dir/.build/age-$AGE_VERSION" out
    render_module "$repo_root/tools/age/go.mod.in" "$build"
    out="$build/bin"; mkdir -p "$out"
    log "building age $AGE_VERSION (age, age-keygen)"
    (cd "$build" && CGO_ENABLED=0 "$go_bin" build ${jobs:+-p "$jobs"} -trimpath \
        -ldflags "-s -w -X main.Version=$AGE_VERSION" -o "$out/" \
        filippo.io/age/cmd/age filippo.io/age/cmd/age-keygen)
    install_built age "$AGE_VERSION" "$out/age"
    install_built age-keygen "$AGE_VERSION" "$out/age-keygen"
}

# module_dir <module@version> -- download a module and print its directory in the module cache.
# helmfile and helm are built inside their own module (not a wrapper) so that their go.mod's
# replace directives and pinned dependencies apply, as in their release builds.
module_dir() {
    local dir
    dir="$(cd "$tools_dir" && "$go_bin" mod download -json "$1" |
        sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
    [[ -n "$dir" && -f "$dir/go.mod" ]] || die "cannot download $1 from the Go module proxy"
    printf '%s' "$dir"
}

build_helm() {
    need_build "helm@$HELM_VERSION" || return 0
    go_env
    local build="$tools_dir/.build/helm-$HELM_VERSION" dir major="${HELM_VERSION%%.*}"
    dir="$(module_dir "helm.sh/helm/$major@$HELM_VERSION")"
    mkdir -p "$build"
    log "building helm $HELM_VERSION"
    (cd "$dir" && CGO_ENABLED=0 "$go_bin" build -mod=readonly ${jobs:+-p "$jobs"} -trimpath \
        -ldflags "-s -w -X helm.sh/helm/$major/internal/version.version=$HELM_VERSION" \
        -o "$build/helm" ./cmd/helm)
    install_built helm "$HELM_VERSION" "$build/helm"
}

# helm-diff (github.com/databus23/helm-diff/v3), which `helmfile diff` needs, is not built: the
# module proxy used here refuses it (403). `helmfile build/list/template` need no plugin.
build_helmfile() {
    need_build "helmfile@$HELMFILE_VERSION" || return 0
    go_env
    local build="$tools_dir/.build/helmfile-$HELMFILE_VERSION" dir
    dir="$(module_dir "github.com/helmfile/helmfile@$HELMFILE_VERSION")"
    mkdir -p "$build"
    log "building helmfile $HELMFILE_VERSION"
    (cd "$dir" && CGO_ENABLED=0 "$go_bin" build -mod=readonly ${jobs:+-p "$jobs"} -trimpath \
        -ldflags "-s -w -X go.szostok.io/version.version=$HELMFILE_VERSION" \
        -o "$build/helmfile" .)
    install_built helmfile "$HELMFILE_VERSION" "$build/helmfile"
}

# kustomize (sigs.k8s.io/kustomize/kustomize/v5), which helmfile runs to apply a release's
# strategicMergePatches/jsonPatches/transformers (without it helmfile prints nothing and exits 0).
build_kustomize() {
    need_build "kustomize@$KUSTOMIZE_VERSION" || return 0
    go_env
    local build="$tools_dir/.build/kustomize-$KUSTOMIZE_VERSION" dir
    dir="$(module_dir "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION")"
    mkdir -p "$build"
    log "building kustomize $KUSTOMIZE_VERSION"
    (cd "$dir" && CGO_ENABLED=0 "$go_bin" build -mod=readonly ${jobs:+-p "$jobs"} -trimpath \
        -ldflags "-s -w -X sigs.k8s.io/kustomize/api/provenance.version=kustomize/$KUSTOMIZE_VERSION" \
        -o "$build/kustomize" .)
    install_built kustomize "$KUSTOMIZE_VERSION" "$build/kustomize"
}

# Flux's controllers (github.com/fluxcd/<name>), built inside a writable copy of their own module
# so that its replace directives and pinned dependencies apply, as in Flux's release builds.
# build_flux_controller <name> <version>
build_flux_controller() {
    local name="$1" version="$2"
    need_build "$name@$version" || return 0
    go_env
    local build="$tools_dir/.build/$name-$version" dir dest="$tools_dir/$name-$version"
    dir="$(module_dir "github.com/fluxcd/$name@$version")"
    rm -rf "$build"
    mkdir -p "$tools_dir/.build"
    cp -r "$dir" "$build"
    chmod -R u+w "$build"
    log "building $name $version"
    (
        cd "$build"
        # go.mod replaces the controller's API types with ./api, a nested module that the module
        # zip leaves out; the api version it requires is served by the proxy, so use that.
        "$go_bin" mod edit -dropreplace="github.com/fluxcd/$name/api"
        if [[ "$name" == source-controller ]]; then
            # source-controller v1.9.6 requires github.com/fluxcd/pkg/artifact v0.18.3, but the
            # module proxy used here refuses the v0.18.2+ zips (HTTP 403); v0.18.1 has the same API.
            "$go_bin" mod edit -replace github.com/fluxcd/pkg/artifact=github.com/fluxcd/pkg/artifact@v0.18.1
        fi
        CGO_ENABLED=0 "$go_bin" build -mod=mod ${jobs:+-p "$jobs"} -trimpath -ldflags "-s -w" \
            -o "$build/bin/$name" .
    )
    rm -rf "$dest/crds"
    mkdir -p "$dest/crds"
    cp "$build"/config/crd/bases/*.yaml "$dest/crds/"
    install_built "$name" "$version" "$build/bin/$name"
    rm -rf "$build"
}

# Smallest first, so a failure in the big build still leaves the others usable.
status=0
build_etcd || { log "etcd build failed"; status=1; }
build_kwok || { log "kwok build failed"; status=1; }
build_age || { log "age build failed"; status=1; }
build_sops || { log "sops build failed"; status=1; }
build_flux_controller source-controller "$SOURCE_CONTROLLER_VERSION" ||
    { log "source-controller build failed"; status=1; }
build_flux_controller kustomize-controller "$KUSTOMIZE_CONTROLLER_VERSION" ||
    { log "kustomize-controller build failed"; status=1; }
build_flux_controller helm-controller "$HELM_CONTROLLER_VERSION" ||
    { log "helm-controller build failed"; status=1; }
build_kube || { log "Kubernetes build failed"; status=1; }
build_helm || { log "helm build failed"; status=1; }
build_helmfile || { log "helmfile build failed"; status=1; }
build_kustomize || { log "kustomize build failed"; status=1; }

for spec in "etcd@$ETCD_VERSION" "kwok@$KWOK_VERSION" "kube-apiserver@$KUBERNETES_VERSION" \
    "kube-controller-manager@$KUBERNETES_VERSION" "kube-scheduler@$KUBERNETES_VERSION" \
    "kubectl@$KUBERNETES_VERSION" "age@$AGE_VERSION" "age-keygen@$AGE_VERSION" "sops@$SOPS_VERSION" \
    "helm@$HELM_VERSION" "helmfile@$HELMFILE_VERSION" "kustomize@$KUSTOMIZE_VERSION" \
    "source-controller@$SOURCE_CONTROLLER_VERSION" "kustomize-controller@$KUSTOMIZE_CONTROLLER_VERSION" \
    "helm-controller@$HELM_CONTROLLER_VERSION"; do
    name="${spec%%@*}"; version="${spec#*@}"
    if have "$name" "$version"; then
        printf '%-24s %s\n' "$name" "$(bin_path "$name" "$version")"
    else
        printf '%-24s MISSING\n' "$name"
        status=1
    fi
done
exit "$status"
