/**
 * A small in-memory ONNX graph and its encoding as an ONNX ModelProto (onnx.proto, IR version 7,
 * opset 13): just the messages and fields an inference graph of float tensors needs.
 */
import { ProtoWriter } from '../util/protobuf.js';

export const OPSET = 13;
const IR_VERSION = 7;

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, UINT8: 2, INT64: 7 } as const;
export type DataTypeId = (typeof DataType)[keyof typeof DataType];

/** A number is an INT attribute, `{ f }` a FLOAT, an array INTS, `{ floats }` FLOATS. */
export type AttributeValue = number | { f: number } | string | number[] | { floats: number[] };

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attributes?: Record<string, AttributeValue>;
}

export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: DataTypeId;
  data: Float32Array | BigInt64Array | Uint8Array;
}

export interface OnnxValueInfo {
  name: string;
  dataType: DataTypeId;
  /** A number is a fixed size, a string a symbolic one (the batch). */
  shape: Array<number | string>;
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

/** AttributeProto.AttributeType values. */
const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 } as const;

export function encodeOnnxModel(graph: OnnxGraph, producer: { name: string; version: string }): Uint8Array {
  return new ProtoWriter()
    .int64(1, IR_VERSION)
    .string(2, producer.name)
    .string(3, producer.version)
    .message(7, (g) => writeGraph(g, graph))
    .message(8, (opset) => opset.string(1, '').int64(2, OPSET))
    .finish();
}

function writeGraph(w: ProtoWriter, graph: OnnxGraph) {
  for (const node of graph.nodes) w.message(1, (n) => writeNode(n, node));
  w.string(2, graph.name);
  for (const tensor of graph.initializers) w.message(5, (t) => writeTensor(t, tensor));
  for (const input of graph.inputs) w.message(11, (v) => writeValueInfo(v, input));
  for (const output of graph.outputs) w.message(12, (v) => writeValueInfo(v, output));
}

function writeNode(w: ProtoWriter, node: OnnxNode) {
  for (const input of node.inputs) w.string(1, input);
  for (const output of node.outputs) w.string(2, output);
  w.string(3, node.name).string(4, node.op);
  for (const [name, value] of Object.entries(node.attributes ?? {})) w.message(5, (a) => writeAttribute(a, name, value));
}

function writeAttribute(w: ProtoWriter, name: string, value: AttributeValue) {
  w.string(1, name);
  if (typeof value === 'string') w.string(4, value).int64(20, AttributeType.STRING);
  else if (typeof value === 'number') w.int64(3, value).int64(20, AttributeType.INT);
  else if ('f' in value) w.float(2, value.f).int64(20, AttributeType.FLOAT);
  else if (Array.isArray(value)) {
    for (const v of value) w.int64(8, v);
    w.int64(20, AttributeType.INTS);
  } else {
    for (const v of value.floats) w.float(7, v);
    w.int64(20, AttributeType.FLOATS);
  }
}

function writeTensor(w: ProtoWriter, tensor: OnnxTensor) {
  for (const dim of tensor.dims) w.int64(1, dim);
  w.int64(2, tensor.dataType).string(8, tensor.name);
  // raw_data is little-endian, as typed arrays are on every platform Node runs on.
  w.bytes(9, new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
}

function writeValueInfo(w: ProtoWriter, info: OnnxValueInfo) {
  w.string(1, info.name).message(2, (type) =>
    type.message(1, (tensorType) =>
      tensorType.int64(1, info.dataType).message(2, (shape) => {
        for (const dim of info.shape) shape.message(1, (d) => (typeof dim === 'number' ? d.int64(1, dim) : d.string(2, dim)));
      }),
    ),
  );
}
