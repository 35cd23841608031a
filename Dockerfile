# Builds the qinqing binary and runs it on a slim Debian with libpq.
FROM rust:1-bookworm AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev && rm -rf /var/lib/apt/lists/*
COPY Cargo.toml Cargo.lock build.rs ./
COPY src ./src
COPY migrations ./migrations
COPY api-spec ./api-spec
# The web pages' templates and static files are compiled into the binary.
COPY templates ./templates
COPY static ./static
RUN cargo build --release --locked

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/qinqing --create-home qinqing
COPY --from=build /src/target/release/qinqing /usr/local/bin/qinqing
USER qinqing
WORKDIR /var/lib/qinqing
ENV QINQING_BIND=0.0.0.0:8080
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["/usr/local/bin/qinqing"]
CMD ["serve"]
