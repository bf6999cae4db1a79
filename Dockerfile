# Multi-stage build: a static binary (no cgo: the SQLite driver is pure Go) in a minimal
# image that runs as a non-root user. Build: make docker, or
#   docker build --build-arg VERSION=v1.0.0 --build-arg COMMIT=$(git rev-parse --short HEAD) -t blog-service:local .
# Run (release mode needs a JWT secret of 32 random bytes or more; keep it, tokens depend on it):
#   echo "BLOG_JWT_SECRET=$(openssl rand -hex 32)" > blog.env
#   docker run -p 8000:8000 --env-file blog.env -v blog-data:/app/storage blog-service:local
# Its first API credential (the secret on standard input, one line of 12-72 bytes):
#   docker run --rm -i --env-file blog.env -v blog-data:/app/storage blog-service:local auth add myapp < myapp.secret
FROM golang:1.26-bookworm AS build
# go.mod asks for Go 1.27.3 (the standard library's vulnerability fixes): the go command
# fetches it from the module proxy (an image with Go 1.27.3 itself needs no download).
ENV GOTOOLCHAIN=go1.27.3
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
RUN make build VERSION=$VERSION COMMIT=$COMMIT \
 && mkdir -p /out/storage

FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /app
COPY --from=build /src/bin/blog-service /app/blog-service
COPY --from=build /src/configs /app/configs
COPY --from=build /src/docs /app/docs
# The SQLite database and uploads live here; mount a volume to keep them.
COPY --from=build --chown=65532:65532 /out/storage /app/storage
ENV BLOG_SERVER_RUNMODE=release
# distroless's nonroot user, by number: with runAsNonRoot the kubelet refuses a user name,
# which it cannot check is not root. The Kubernetes pods set the same runAsUser/runAsGroup.
USER 65532:65532
EXPOSE 8000
# SIGTERM starts the graceful drain (Server.ShutdownTimeout); a second one forces exit.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/blog-service"]
