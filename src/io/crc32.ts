/**
 * CRC-32 (IEEE 802.3, the polynomial zlib and PNG use; reflected, init and final xor 0xffffffff),
 * table-driven: crc ← table[(crc ⊕ byte) & 0xff] ⊕ (crc >>> 8) for each byte. Pure JavaScript so
 * that it runs in a browser as well as in Node.
 */
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** The CRC-32 of `bytes` as 8 lowercase hex digits (crc32("123456789") = "cbf43926"). */
export function crc32Hex(bytes: Uint8Array): string {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return ((crc ^ 0xffffffff) >>> 0).toString(16).padStart(8, "0");
}
