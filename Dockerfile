# The portal image used by docker-compose.yml. The CSS is prebuilt and
# committed (assets/static/css/portal.css), so no node is needed here.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/portal ./cmd/portal

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --create-home --home-dir /var/lib/portal portal
COPY --from=build /out/portal /usr/local/bin/portal
USER portal:portal
WORKDIR /var/lib/portal
ENV PORTAL_ADDR=:8080 PORTAL_DATA_DIR=/var/lib/portal/data
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/portal"]
CMD ["serve"]
