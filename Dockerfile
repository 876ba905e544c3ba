# syntax=docker/dockerfile:1
# qrsmith's container image: one statically linked binary on an empty (scratch) root.
#
#   docker build -t qrsmith .
#   docker run --read-only -p 8080:8080 -v qrsmith-data:/data qrsmith
#
# The binary is built by deploy/build-static.sh, the script the empty-root test
# (deploy/empty-root-test.sh) runs too, so what CI proves on an empty root is what ships here.

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-bookworm AS build
# cmake builds zxing-cpp from the crate's bundled C++ source (g++ and binutils are in the image).
# Versions are left to the pinned Debian release: its security updates are wanted.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends cmake \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The cargo registry and build directory are cache mounts, so a rebuild after a source change
# recompiles qrsmith's crates only; the binary is copied out of the mount in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    deploy/build-static.sh /out/qrsmith
# What the empty root needs besides the binary: passwd/group entries for the non-root user (for
# tools that look names up), /tmp (a mount point: run with a tmpfs there, the root read-only)
# and the data directory the user owns. Laid out as trees copied by their contents below, so
# each directory is an item of the copy and keeps its mode and owner.
RUN mkdir -p /out/root/etc /out/root/tmp /out/volume/data \
    && echo 'qrsmith:x:65532:65532:qrsmith:/data:/sbin/nologin' > /out/root/etc/passwd \
    && echo 'qrsmith:x:65532:' > /out/root/etc/group \
    && chmod 1777 /out/root/tmp \
    && chmod 0750 /out/volume/data

FROM scratch
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="qrsmith" \
      org.opencontainers.image.description="QR code generation and reading: HTTP service and command-line tool" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://example.invalid/qrsmith" \
      org.opencontainers.image.documentation="https://example.invalid/qrsmith/deploy/README.md" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"
COPY --from=build /out/root/ /
COPY --from=build --chown=65532:65532 /out/volume/ /
COPY --from=build /out/qrsmith /qrsmith
# Listen on every address inside the container; jobs (SQLite, results) in the volume. The root
# filesystem is never written: run with --read-only (and a tmpfs on /tmp for SQLite's
# spill files), as the Kubernetes manifests do.
ENV QRSMITH_LISTEN=0.0.0.0:8080 \
    QRSMITH_DATA_DIR=/data \
    QRSMITH_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080
USER 65532:65532
# No shell or curl in the image: the binary probes its own /health (exit 0 healthy, 1 not).
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["/qrsmith", "healthcheck"]
# SIGTERM (Docker's default stop signal) starts the drain: /ready 503 for 5 s, then up to 25 s
# for requests in flight; give `docker stop` a -t of at least 30.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/qrsmith"]
CMD ["serve"]
