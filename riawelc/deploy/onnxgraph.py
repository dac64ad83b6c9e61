"""Canonical ONNX graphs: the same computation always serialises to the same bytes.

tf2onnx and ONNX Runtime's quantiser name nodes and tensors with process-wide counters (`Transpose__50`,
`scales__108`) and walk sets of names whose order follows Python's hash seed, so two exports of one Keras model
differ in names and node order, and with them the file's sha256. `canonicalize` rewrites a graph into one form that
depends only on what it computes:

- every node gets a structural signature, a hash of its operator, attributes and the signatures of its inputs
  (initializers by dtype, shape and values; graph inputs by name), so names play no part;
- nodes with the same signature compute the same tensors and are merged, as are initializers with the same values;
- nodes are topologically sorted with ties broken by signature, and renamed by position (`n0007_Conv`), their
  outputs and the initializers after them; graph inputs and outputs keep their names;
- intermediate shape annotations (value_info) and doc strings, which only echo the old names, are dropped.

Only top-level graphs are handled: a node with a subgraph attribute (If, Loop, Scan) is refused.
"""

from __future__ import annotations

import hashlib
import heapq

import numpy as np
import onnx
from onnx import numpy_helper

_SUBGRAPH_TYPES = (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS)


def _digest(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def _tensor_digest(tensor: onnx.TensorProto) -> str:
    values = numpy_helper.to_array(tensor)
    return _digest("tensor", str(tensor.data_type), repr(tuple(tensor.dims)), np.ascontiguousarray(values).tobytes())


def _attribute_bytes(attribute: onnx.AttributeProto) -> bytes:
    """An attribute's bytes with the names of any tensors inside it cleared (Constant's value has a name)."""
    attribute = onnx.AttributeProto.FromString(attribute.SerializeToString())
    if attribute.HasField("t"):
        attribute.t.name = ""
    for tensor in attribute.tensors:
        tensor.name = ""
    return attribute.SerializeToString(deterministic=True)


def canonicalize(model: onnx.ModelProto) -> onnx.ModelProto:
    """A copy of `model` in canonical form (see the module docstring); computes exactly what `model` computes."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    for node in graph.node:
        if any(a.type in _SUBGRAPH_TYPES for a in node.attribute):
            raise ValueError(f"cannot canonicalise node {node.name!r} ({node.op_type}): it holds a subgraph")

    output_names = [value.name for value in graph.output]
    initializers = {tensor.name: tensor for tensor in graph.initializer}
    signature = {"": ""}  # tensor name -> structural signature; "" is an omitted optional input
    signature.update({value.name: _digest("input", value.name) for value in graph.input})
    signature.update({name: _tensor_digest(tensor) for name, tensor in initializers.items()})

    producer = {out: i for i, node in enumerate(graph.node) for out in node.output if out}
    pending = {i: sum(1 for name in set(node.input) if name in producer) for i, node in enumerate(graph.node)}
    consumers: dict[str, list[int]] = {}
    for i, node in enumerate(graph.node):
        for name in set(node.input):
            consumers.setdefault(name, []).append(i)

    def node_signature(node: onnx.NodeProto) -> str:
        attributes = sorted(_attribute_bytes(a) for a in node.attribute)
        # A graph output's name is part of its producer's identity: two outputs are never merged into one.
        exported = [name if name in output_names else "" for name in node.output]
        return _digest(node.domain, node.op_type, str(len(node.output)), *attributes,
                       *(signature[name] for name in node.input), *exported)

    ready = [(node_signature(graph.node[i]), i) for i, count in pending.items() if count == 0]
    heapq.heapify(ready)
    ordered: list[onnx.NodeProto] = []
    kept: dict[str, onnx.NodeProto] = {}  # node signature -> the node kept for it
    alias: dict[str, str] = {}  # output of a merged duplicate -> the kept node's output
    while ready:
        sig, i = heapq.heappop(ready)
        node = graph.node[i]
        if sig in kept:
            alias.update(zip(node.output, kept[sig].output))
        else:
            kept[sig] = node
            ordered.append(node)
        for k, name in enumerate(node.output):
            signature[name] = _digest(sig, str(k))
            for j in consumers.get(name, ()):
                pending[j] -= 1
                if pending[j] == 0:
                    heapq.heappush(ready, (node_signature(graph.node[j]), j))
    if any(count > 0 for count in pending.values()):
        raise ValueError("the graph has a cycle or an input that no node, initializer or graph input provides")

    # New names: graph inputs and outputs keep theirs; node outputs by position; initializers by first use.
    rename = {value.name: value.name for value in graph.input}
    for position, node in enumerate(ordered):
        node.name = f"n{position:04d}_{node.op_type}"
        for k, name in enumerate(node.output):
            if name and name not in output_names:
                rename[name] = f"{node.name}:{k}"
            elif name:
                rename[name] = name
    by_content: dict[str, str] = {}  # initializer signature -> its new name
    new_initializers = []
    for node in ordered:
        for name in node.input:
            name = alias.get(name, name)
            if name in initializers and name not in rename:
                sig = signature[name]
                if sig not in by_content:
                    by_content[sig] = f"c{len(by_content):04d}"
                    tensor = initializers[name]
                    tensor.name = by_content[sig]
                    new_initializers.append(tensor)
                rename[name] = by_content[sig]
    for node in ordered:
        node.input[:] = [rename[alias.get(name, name)] if name else "" for name in node.input]
        node.output[:] = [rename.get(name, name) for name in node.output]
        node.doc_string = ""
        for attribute in node.attribute:
            if attribute.HasField("t"):
                attribute.t.name = ""

    del graph.node[:]
    graph.node.extend(ordered)
    del graph.initializer[:]
    graph.initializer.extend(new_initializers)
    del graph.value_info[:]
    return model
