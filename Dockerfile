# The riawelc HTTP service: ONNX Runtime + Litestar only (no TensorFlow), the exported models baked in.
#
#   bash scripts/repro.sh                      # writes models/ (classifier.onnx, unet.onnx and their cards)
#   docker build -t riawelc-service .
#   docker run --rm -p 8000:8000 riawelc-service
#
# Other models without rebuilding: mount a folder laid out like models/ over the baked-in one, read-only:
#   docker run --rm -p 8000:8000 -v "$PWD/models:/app/models:ro" riawelc-service
# Settings are RIAWELC_* environment variables (see the README's Serving section), e.g. -e RIAWELC_API_KEY=...
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RIAWELC_MODEL_DIR=/app/models

# The same install as tests/test_service_install.py checks without Docker: the service extra alone, pinned.
COPY pyproject.toml README.md constraints.txt /tmp/src/
COPY riawelc /tmp/src/riawelc
COPY serve /tmp/src/serve
RUN pip install --no-cache-dir -c /tmp/src/constraints.txt "/tmp/src[service]" \
    && rm -rf /tmp/src

# A numeric, non-root user (a name may not resolve on the host; uid 10001 clashes with no system account).
RUN groupadd --system --gid 10001 riawelc \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /app --shell /usr/sbin/nologin riawelc
WORKDIR /app
COPY --chown=root:root models /app/models
USER 10001:10001

EXPOSE 8000
# slim has no curl: ask /health with the standard library.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status != 200)"]
# --no-access-log: the service writes its own JSON access log; uvicorn's plain-text copy would double it.
CMD ["uvicorn", "--factory", "serve.app:create_app", "--host", "0.0.0.0", "--port", "8000", "--no-access-log"]
