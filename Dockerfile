# clusterdns as a drop-in image for the coredns Deployment: same arguments (`-conf
# /etc/coredns/Corefile`), same ports, same probes. deploy/README.md explains the choices below
# (non-root user, the capability to bind :53, read-only root filesystem).
#
#   docker build -t clusterdns:0.1.0 .
#
# The image runs the compiled JavaScript (dist/), built in its own stage by the project's TypeScript:
# type stripping at run time would cost about 30 MB of resident memory. The `node` npm package (a
# devDependency that pins Node 24 for npm scripts) is not needed: the base image has Node 24.
ARG NODE_IMAGE=node:24-bookworm-slim

# The build toolchain stays in this stage. Scripts stay off: `prepare` would build before src/ is here.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY src ./src
# No declarations (.d.ts): they are the npm package's API reference, and nothing in the image reads them.
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json --declaration false

# Production dependencies only. No package has an install script it needs (the only one with a
# script is the `node` devDependency), so scripts stay off.
FROM ${NODE_IMAGE} AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
    && npm cache clean --force

FROM ${NODE_IMAGE}
# A non-root process keeps CAP_NET_BIND_SERVICE across exec only through a file capability: set it
# on the node binary (the Deployment must keep NET_BIND_SERVICE in the bounding set). The package
# managers are removed: nothing installs anything at run time.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libcap2-bin \
    && setcap cap_net_bind_service=+ep /usr/local/bin/node \
    && apt-get purge -y --auto-remove libcap2-bin \
    && rm -rf /var/lib/apt/lists/* \
        /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
        /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-*
COPY --from=dependencies /app/node_modules /app/node_modules
COPY --from=build /app/dist /app/dist
COPY package.json /app/package.json
COPY bin /app/bin
ENV NODE_ENV=production
# CoreDNS's image runs as 65532 (distroless "nonroot"); numeric, so that runAsNonRoot can check it.
USER 65532:65532
# Relative paths in a Corefile are relative to the working directory, which is / in CoreDNS's image.
WORKDIR /
EXPOSE 53/udp 53/tcp 9153/tcp 8080/tcp 8181/tcp
ENTRYPOINT ["node", "/app/bin/clusterdns.js"]
CMD ["-conf", "/etc/coredns/Corefile"]
