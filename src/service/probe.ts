/**
 * Is a MongoDB-API server answering at an address? Asked with a real `ping`
 * command in the MongoDB wire protocol (one OP_MSG on one socket that we
 * always destroy), which tells apart three cases:
 * - nothing listens (we may start a server there),
 * - a MongoDB-API server answers (use it),
 * - something else holds the port (we must not, and the user must be told).
 *
 * Not the Node driver: when the peer accepts a connection but never answers,
 * the driver's MongoClient.close() leaves that socket open, which would leak a
 * connection to whatever program holds the port. BSON comes from the driver.
 */
import { createConnection } from "node:net";
import { BSON } from "mongodb";

/**
 * - `"mongodb"`: a MongoDB wire-protocol reply came back;
 * - `"closed"`: nothing accepts connections there;
 * - `"other"`: something accepts connections but did not answer like MongoDB.
 */
export type ProbeResult = "mongodb" | "closed" | "other";

export interface PingReply {
  result: ProbeResult;
  /** True when the reply is `{ ok: 1 }`: the server is up and serving commands. */
  ok: boolean;
}

const OP_MSG = 2013;
const MAX_REPLY = 48 * 1024 * 1024;
let nextRequestId = 1;

function opMsg(requestId: number, command: Record<string, unknown>): Buffer {
  const body = BSON.serialize(command);
  const msg = Buffer.alloc(16 + 4 + 1 + body.length);
  msg.writeInt32LE(msg.length, 0);
  msg.writeInt32LE(requestId, 4);
  msg.writeInt32LE(0, 8); // responseTo
  msg.writeInt32LE(OP_MSG, 12);
  msg.writeUInt32LE(0, 16); // flagBits
  msg.writeUInt8(0, 20); // section kind 0: the command document
  Buffer.from(body.buffer, body.byteOffset, body.length).copy(msg, 21);
  return msg;
}

/** Send `{ ping: 1 }` to host:port and classify the answer. Never throws. */
export function wirePing(host: string, port: number, timeoutMS: number): Promise<PingReply> {
  return new Promise((resolve) => {
    const requestId = nextRequestId++ & 0x7fffffff;
    const socket = createConnection({ host, port });
    let connected = false;
    let received = Buffer.alloc(0);
    const finish = (reply: PingReply) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(reply);
    };
    const timer = setTimeout(() => finish({ result: connected ? "other" : "closed", ok: false }), timeoutMS);
    socket.once("connect", () => {
      connected = true;
      socket.write(opMsg(requestId, { ping: 1, $db: "admin" }));
    });
    socket.on("error", () => finish({ result: connected ? "other" : "closed", ok: false }));
    socket.on("end", () => finish({ result: "other", ok: false }));
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 16) return;
      const length = received.readInt32LE(0);
      if (length < 21 || length > MAX_REPLY) return finish({ result: "other", ok: false });
      if (received.length < length) return;
      if (
        received.readInt32LE(8) !== requestId ||
        received.readInt32LE(12) !== OP_MSG ||
        received.readUInt8(20) !== 0
      ) {
        return finish({ result: "other", ok: false });
      }
      try {
        const doc = BSON.deserialize(received.subarray(21, length));
        finish({ result: "mongodb", ok: Number(doc.ok) === 1 });
      } catch {
        finish({ result: "other", ok: false });
      }
    });
  });
}

/** Classify what listens on host:port (see ProbeResult). */
export async function probeMongo(host: string, port: number, timeoutMS: number): Promise<ProbeResult> {
  return (await wirePing(host, port, timeoutMS)).result;
}

/**
 * True if the server at `uri` (a plain `mongodb://host:port/` as mspass
 * writes them) answers `ping` with ok within timeoutMS.
 */
export async function pingMongo(uri: string, timeoutMS: number): Promise<boolean> {
  const url = new URL(uri);
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  return (await wirePing(host, Number(url.port || 27017), timeoutMS)).ok;
}
