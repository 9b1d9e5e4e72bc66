# One image for every Pushwire service: the TypeScript sources run through tsx, as with `npm start`.
# The service is chosen by the command (see docker-compose.yml), e.g. `node --require tsx/cjs apps/registry/src/main.ts`.
FROM node:20-bookworm-slim
WORKDIR /pushwire
COPY package.json package-lock.json ./
COPY apps apps
COPY libs libs
COPY tools tools
COPY tsconfig.base.json tsconfig.json nx.json ./
RUN npm ci && npm cache clean --force
ENV NODE_ENV=production
USER node
