#!/usr/bin/env bash
# Build (and optionally push) gener1's images, tagged from the package version, under a registry prefix.
#
#   containers/build.sh [--cuda] [--registry REGISTRY] [--namespace NS] [--engine docker|podman] [--push] [--sif]
#                       [-- extra build arguments, e.g. --build-arg BUILD_KB=0]
#
#   REGISTRY/NS/gener1:VERSION       CPU image  (containers/Dockerfile)        default ghcr.io/gener1/gener1:<version>
#   REGISTRY/NS/gener1-cuda:VERSION  CUDA image (containers/Dockerfile.cuda)   with --cuda
#   gener1[-cuda]_VERSION.sif        with --sif: an Apptainer image from the built Docker image (gener1[-cuda].def)
#
# The Nextflow modules name gener1/gener1:<version> and gener1/gener1-cuda:<version>; the pipeline's
# --container_registry (default ghcr.io) is the REGISTRY every engine prefixes. Docker and Podman use a local
# image of that full name without pulling, so `containers/build.sh` then `nextflow run . -profile docker` works
# on one machine; push (--push) for clusters, and pass --container_registry if it is not ghcr.io/gener1.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VERSION="$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$ROOT/gener1_tool/__init__.py")"
REGISTRY="ghcr.io"
NAMESPACE="gener1"
ENGINE="$(command -v docker >/dev/null 2>&1 && echo docker || echo podman)"
CUDA=0 PUSH=0 SIF=0
EXTRA=()
while [ $# -gt 0 ]; do
    case "$1" in
        --cuda) CUDA=1 ;;
        --push) PUSH=1 ;;
        --sif) SIF=1 ;;
        --registry) REGISTRY="$2"; shift ;;
        --namespace) NAMESPACE="$2"; shift ;;
        --engine) ENGINE="$2"; shift ;;
        --print-tag) PRINT=1 ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        --) shift; EXTRA=("$@"); break ;;
        *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
[ -n "$VERSION" ] || { echo "cannot read __version__ from gener1_tool/__init__.py" >&2; exit 1; }
NAME="gener1$([ "$CUDA" = 1 ] && echo -cuda || true)"
DOCKERFILE="$ROOT/containers/Dockerfile$([ "$CUDA" = 1 ] && echo .cuda || true)"
TAG="${REGISTRY:+$REGISTRY/}${NAMESPACE:+$NAMESPACE/}$NAME:$VERSION"
if [ "${PRINT:-0}" = 1 ]; then echo "$TAG"; exit 0; fi

echo "building $TAG from $DOCKERFILE with $ENGINE" >&2
"$ENGINE" build -f "$DOCKERFILE" --build-arg "GENER1_VERSION=$VERSION" -t "$TAG" "${EXTRA[@]}" "$ROOT"
if [ "$PUSH" = 1 ]; then
    "$ENGINE" push "$TAG"
fi
if [ "$SIF" = 1 ]; then
    APPTAINER="$(command -v apptainer || command -v singularity)"
    "$APPTAINER" build --build-arg "IMAGE=$TAG" "${NAME}_${VERSION}.sif" "$ROOT/containers/$NAME.def"
fi
