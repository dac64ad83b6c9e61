"""The exported ONNX files are a function of the model alone: same model, same bytes, in any process."""

import hashlib
import os
import random
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from riawelc.deploy.onnxgraph import canonicalize
from tests.conftest import REPO

FILES = ("classifier.onnx", "unet.onnx", "classifier.int8.onnx", "unet.int8.onnx")


def _small_graph(names: dict[str, str], order: list[int], weight: float = 0.5) -> onnx.ModelProto:
    """y = relu(x * w) + relu(x * w) + sigmoid(x), with node and tensor names and node order chosen by the caller
    (the two relu branches are the same computation written twice, as converters sometimes emit)."""
    w = numpy_helper.from_array(np.full((1, 3), weight, np.float32), names["w"])
    nodes = [
        helper.make_node("Mul", ["x", names["w"]], [names["m1"]], name=names["n1"]),
        helper.make_node("Relu", [names["m1"]], [names["r1"]], name=names["n2"]),
        helper.make_node("Mul", ["x", names["w"]], [names["m2"]], name=names["n3"]),
        helper.make_node("Relu", [names["m2"]], [names["r2"]], name=names["n4"]),
        helper.make_node("Sigmoid", ["x"], [names["s"]], name=names["n5"]),
        helper.make_node("Sum", [names["r1"], names["r2"], names["s"]], ["y"], name=names["n6"]),
    ]
    graph = helper.make_graph([nodes[i] for i in order], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 3])], [w])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _run(model: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(["y"], {"x": x})[0]


KEYS = ("w", "m1", "r1", "m2", "r2", "s", "n1", "n2", "n3", "n4", "n5", "n6")


def test_canonical_form_ignores_names_and_node_order_and_keeps_the_result():
    first = _small_graph({k: f"{k}__{i}" for i, k in enumerate(KEYS)}, [0, 1, 2, 3, 4, 5])
    second = _small_graph({k: f"other/{k}_{97 - i}" for i, k in enumerate(KEYS)}, [4, 2, 3, 0, 1, 5])
    assert first.SerializeToString() != second.SerializeToString()
    a, b = canonicalize(first), canonicalize(second)
    assert a.SerializeToString() == b.SerializeToString()
    onnx.checker.check_model(a, full_check=True)
    x = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    np.testing.assert_array_equal(_run(a, x), _run(first, x))
    # The duplicated branch is merged: one Mul and one Relu are left, named by position.
    assert [n.op_type for n in a.graph.node].count("Relu") == 1
    assert all(n.name.startswith(f"n{i:04d}_") for i, n in enumerate(a.graph.node))


def test_a_different_model_gives_different_bytes():
    names = {k: k for k in KEYS}
    assert (canonicalize(_small_graph(names, list(range(6)), 0.5)).SerializeToString()
            != canonicalize(_small_graph(names, list(range(6)), 0.25)).SerializeToString())


def test_subgraphs_are_refused():
    branch = helper.make_graph([helper.make_node("Identity", ["x"], ["z"])], "b", [],
                               [helper.make_tensor_value_info("z", TensorProto.FLOAT, [3])])
    node = helper.make_node("If", ["c"], ["y"], then_branch=branch, else_branch=branch, name="if")
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("c", TensorProto.BOOL, []),
                                            helper.make_tensor_value_info("x", TensorProto.FLOAT, [3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3])])
    with pytest.raises(ValueError, match="subgraph"):
        canonicalize(helper.make_model(graph))


@pytest.mark.slow
def test_export_and_int8_bytes_repeat_across_processes_and_hash_seeds(tmp_path):
    """tf2onnx and the quantiser walk hash-ordered sets: two processes with different hash seeds must still
    write the same four files, byte for byte."""
    seeds = random.Random().sample(range(1, 2**31), 2)  # any two different seeds, not two chosen ones
    runs = []
    for k, seed in enumerate(seeds):
        env = {**os.environ, "PYTHONHASHSEED": str(seed)}
        out = tmp_path / f"run{k}"
        runs.append((out, subprocess.Popen([sys.executable, "-m", "tests.deploy.onnx_bytes_worker", str(out)], cwd=REPO,
                                           env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)))
    for out, process in runs:
        output = process.communicate(timeout=900)[0]
        assert process.returncode == 0, output[-3000:]
    digests = [{name: hashlib.sha256((out / name).read_bytes()).hexdigest() for name in FILES} for out, _ in runs]
    differing = [name for name in FILES if digests[0][name] != digests[1][name]]
    assert not differing, f"hash seeds {seeds}: these exports differ between processes: {differing}"
