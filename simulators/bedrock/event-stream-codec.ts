import { crc32 } from "./crc32.ts";

/**
 * AWS event-stream binary framing (application/vnd.amazon.eventstream), big-endian:
 * total_length u32 | headers_length u32 | prelude_crc u32 | headers | payload | message_crc u32.
 * The prelude CRC covers bytes [0,8); the message CRC covers everything before it, prelude CRC included.
 * Bedrock only uses string headers, so only that type is encoded; the decoder reads every type.
 */
export interface EventStreamMessage {
  headers: Record<string, string>;
  payload: Uint8Array;
}

const PRELUDE_BYTES = 12;
const CRC_BYTES = 4;
const STRING_TYPE = 7;
const MAX_HEADER_VALUE_BYTES = 32_767;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder("utf-8", { fatal: true });

export class EventStreamFrameError extends Error {
  override name = "EventStreamFrameError";
}

export function encodeMessage(message: EventStreamMessage): Uint8Array {
  const headerParts: Uint8Array[] = [];
  for (const [name, value] of Object.entries(message.headers)) {
    const nameBytes = utf8.encode(name);
    const valueBytes = utf8.encode(value);
    if (nameBytes.length === 0 || nameBytes.length > 255) throw new EventStreamFrameError(`header name length ${nameBytes.length}`);
    if (valueBytes.length > MAX_HEADER_VALUE_BYTES) throw new EventStreamFrameError(`header ${name} value too long`);
    const part = new Uint8Array(1 + nameBytes.length + 1 + 2 + valueBytes.length);
    const view = new DataView(part.buffer);
    part[0] = nameBytes.length;
    part.set(nameBytes, 1);
    part[1 + nameBytes.length] = STRING_TYPE;
    view.setUint16(2 + nameBytes.length, valueBytes.length);
    part.set(valueBytes, 4 + nameBytes.length);
    headerParts.push(part);
  }
  const headersLength = headerParts.reduce((sum, p) => sum + p.length, 0);
  const totalLength = PRELUDE_BYTES + headersLength + message.payload.length + CRC_BYTES;
  const frame = new Uint8Array(totalLength);
  const view = new DataView(frame.buffer);
  view.setUint32(0, totalLength);
  view.setUint32(4, headersLength);
  view.setUint32(8, crc32(frame, 0, 8));
  let offset = PRELUDE_BYTES;
  for (const part of headerParts) {
    frame.set(part, offset);
    offset += part.length;
  }
  frame.set(message.payload, offset);
  view.setUint32(totalLength - CRC_BYTES, crc32(frame, 0, totalLength - CRC_BYTES));
  return frame;
}

/** Decodes exactly one whole message, checking both CRCs. */
export function decodeMessage(frame: Uint8Array): EventStreamMessage {
  if (frame.length < PRELUDE_BYTES + CRC_BYTES) throw new EventStreamFrameError(`frame of ${frame.length} bytes is too short`);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const totalLength = view.getUint32(0);
  const headersLength = view.getUint32(4);
  if (totalLength !== frame.length) throw new EventStreamFrameError(`length ${totalLength} does not match frame of ${frame.length} bytes`);
  if (view.getUint32(8) !== crc32(frame, 0, 8)) throw new EventStreamFrameError("prelude checksum mismatch");
  if (view.getUint32(totalLength - CRC_BYTES) !== crc32(frame, 0, totalLength - CRC_BYTES)) {
    throw new EventStreamFrameError("message checksum mismatch");
  }
  const payloadStart = PRELUDE_BYTES + headersLength;
  if (payloadStart > totalLength - CRC_BYTES) throw new EventStreamFrameError("headers overrun the frame");
  return { headers: decodeHeaders(frame, view, PRELUDE_BYTES, payloadStart), payload: frame.slice(payloadStart, totalLength - CRC_BYTES) };
}

/** Splits a byte stream into whole frames, keeping any incomplete tail for the next chunk. */
export class EventStreamSplitter {
  #buffer = new Uint8Array(0);

  push(chunk: Uint8Array): EventStreamMessage[] {
    const joined = new Uint8Array(this.#buffer.length + chunk.length);
    joined.set(this.#buffer);
    joined.set(chunk, this.#buffer.length);
    const messages: EventStreamMessage[] = [];
    let offset = 0;
    while (joined.length - offset >= 4) {
      const total = new DataView(joined.buffer, offset).getUint32(0);
      if (total < PRELUDE_BYTES + CRC_BYTES) throw new EventStreamFrameError(`declared length ${total} is too short`);
      if (joined.length - offset < total) break;
      messages.push(decodeMessage(joined.subarray(offset, offset + total)));
      offset += total;
    }
    this.#buffer = joined.slice(offset);
    return messages;
  }

  get pendingBytes(): number {
    return this.#buffer.length;
  }
}

function decodeHeaders(frame: Uint8Array, view: DataView, start: number, end: number): Record<string, string> {
  const headers: Record<string, string> = {};
  let offset = start;
  while (offset < end) {
    const nameLength = frame[offset]!;
    const name = fromUtf8.decode(frame.subarray(offset + 1, offset + 1 + nameLength));
    offset += 1 + nameLength;
    const type = frame[offset++];
    let value: string;
    switch (type) {
      case 0: value = "true"; break;
      case 1: value = "false"; break;
      case 2: value = String(view.getInt8(offset)); offset += 1; break;
      case 3: value = String(view.getInt16(offset)); offset += 2; break;
      case 4: value = String(view.getInt32(offset)); offset += 4; break;
      case 5: case 8: value = String(view.getBigInt64(offset)); offset += 8; break;
      case 6: case 7: {
        const length = view.getUint16(offset);
        const bytes = frame.subarray(offset + 2, offset + 2 + length);
        value = type === 7 ? fromUtf8.decode(bytes) : Buffer.from(bytes).toString("base64");
        offset += 2 + length;
        break;
      }
      case 9: value = Buffer.from(frame.subarray(offset, offset + 16)).toString("hex"); offset += 16; break;
      default: throw new EventStreamFrameError(`unknown header type ${type}`);
    }
    headers[name] = value;
  }
  if (offset !== end) throw new EventStreamFrameError("header section overrun");
  return headers;
}
