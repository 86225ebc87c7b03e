/**
 * A small in-memory ONNX graph and its encoding as an ONNX ModelProto (onnx.proto, IR version 7,
 * opset 13), encoded with the onnx-proto package's generated encoder: just the messages and fields an
 * inference graph of float tensors needs.
 */
import { encodeModel, valueInfo, type AttributeProto, type NodeProto, type TensorProto, type ValueInfoProto } from './onnx-proto.js';

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

/** The graph as an encoded ModelProto, written by onnx-proto's generated encoder. */
export function encodeOnnxModel(graph: OnnxGraph, producer: { name: string; version: string }): Uint8Array {
  return encodeModel({
    irVersion: IR_VERSION,
    producerName: producer.name,
    producerVersion: producer.version,
    graph: {
      node: graph.nodes.map(toNode),
      name: graph.name,
      initializer: graph.initializers.map(toTensor),
      input: graph.inputs.map(toValueInfo),
      output: graph.outputs.map(toValueInfo),
    },
    opsetImport: [{ domain: '', version: OPSET }],
  });
}

function toNode(node: OnnxNode): NodeProto {
  return {
    input: node.inputs,
    output: node.outputs,
    name: node.name,
    opType: node.op,
    attribute: Object.entries(node.attributes ?? {}).map(([name, value]) => toAttribute(name, value)),
  };
}

function toAttribute(name: string, value: AttributeValue): AttributeProto {
  if (typeof value === 'string') return { name, s: new TextEncoder().encode(value), type: AttributeType.STRING };
  if (typeof value === 'number') return { name, i: value, type: AttributeType.INT };
  if (Array.isArray(value)) return { name, ints: value, type: AttributeType.INTS };
  if ('f' in value) return { name, f: value.f, type: AttributeType.FLOAT };
  return { name, floats: value.floats, type: AttributeType.FLOATS };
}

function toTensor(tensor: OnnxTensor): TensorProto {
  // raw_data is little-endian, as typed arrays are on every platform Node runs on.
  return {
    dims: tensor.dims,
    dataType: tensor.dataType,
    name: tensor.name,
    rawData: new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength),
  };
}

function toValueInfo(info: OnnxValueInfo): ValueInfoProto {
  return valueInfo(info.name, info.dataType, info.shape);
}
