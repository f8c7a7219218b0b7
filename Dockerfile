# The headless Corral gateway. Written from Docker's documentation; no Docker engine
# runs on the machine this project is developed on, so this file is not built in CI.
#   docker build -t corral .
#   docker run -p 11435:11435 -e CORRAL_API_KEYS=your-token -e CORRAL_BACKENDS=http://ollama:11434 corral
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 builds from source when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY gateway ./gateway
COPY renderer ./renderer
COPY bin ./bin
COPY tsconfig*.json ./
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    CORRAL_DATA_DIR=/data
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY package.json ./
VOLUME ["/data"]
EXPOSE 11435
USER node
# Inside a container every address is "the LAN": widen or narrow access.allow in /data/config.json.
CMD ["node", "--max-semi-space-size=8", "--min-semi-space-size=4", "--heap-growing-percent=50", "bin/corral.js", "serve", "--host", "0.0.0.0", "--no-mdns"]
