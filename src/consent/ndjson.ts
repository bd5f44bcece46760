// Splits a byte stream into NDJSON lines without ever holding more than one line (plus one chunk):
// a line longer than maxLineBytes is reported as too long and skipped, not buffered.
import { StringDecoder } from "node:string_decoder";

export type NdjsonLine = { readonly number: number; readonly text: string; readonly bytesRead: number } | { readonly number: number; readonly tooLong: true; readonly bytesRead: number };

export async function* ndjsonLines(input: AsyncIterable<Buffer | string>, maxLineBytes = 64 * 1024): AsyncGenerator<NdjsonLine> {
  const decoder = new StringDecoder("utf8");
  let pending = "";
  let overflow = false;
  let number = 0;
  let bytesRead = 0;
  for await (const chunk of input) {
    const buf = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    bytesRead += buf.length;
    let text = decoder.write(buf);
    for (;;) {
      const nl = text.indexOf("\n");
      if (nl < 0) break;
      const piece = text.slice(0, nl);
      text = text.slice(nl + 1);
      number += 1;
      if (overflow || Buffer.byteLength(pending) + Buffer.byteLength(piece) > maxLineBytes) yield { number, tooLong: true, bytesRead };
      else yield { number, text: (pending + piece).replace(/\r$/, ""), bytesRead };
      pending = "";
      overflow = false;
    }
    if (!overflow) {
      pending += text;
      if (Buffer.byteLength(pending) > maxLineBytes) {
        overflow = true;
        pending = "";
      }
    }
  }
  const rest = pending + decoder.end();
  if (overflow) yield { number: number + 1, tooLong: true, bytesRead };
  else if (rest.length > 0) yield { number: number + 1, text: rest.replace(/\r$/, ""), bytesRead };
}
