/**
 * A small PNG encoder for the browser suite's stand-in memory chart (used only while the demo
 * uploads no chart of its own): RGB pixels, one IDAT, no filtering.
 */
import { deflateSync } from "node:zlib";

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

export function encodePng(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < width; x++) raw.set(pixel(x, y), row + 1 + x * 3);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}

/** Memory climbing in a sawtooth to a red limit line, the shape of a container that keeps being OOM-killed. */
export function standInMemoryChart(width = 480, height = 180): Buffer {
  const limitY = 30;
  const usageAt = (x: number) => {
    const phase = (x % 160) / 160;
    return height - 20 - phase * (height - 20 - limitY);
  };
  return encodePng(width, height, (x, y) => {
    if (Math.abs(y - limitY) < 1.5) return [224, 30, 90];
    const u = usageAt(x);
    if (Math.abs(y - u) < 2) return [18, 100, 163];
    if (y > u && y < height - 20) return [214, 232, 245];
    if (y === height - 20) return [160, 160, 160];
    return [255, 255, 255];
  });
}
