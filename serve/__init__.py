"""The HTTP inspection service: a Litestar app on the exported ONNX models (no TensorFlow).

Start it with `uvicorn --factory serve.app:create_app --host 127.0.0.1 --port 8000`; settings in serve.settings.
"""
