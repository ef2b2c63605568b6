// Splits a byte stream into lines (\n, \r\n or a lone \r), decoding as latin1 so that any byte
// survives into the line and a CRC over it stays meaningful. A run-away line with no end is cut
// at maxLine bytes so garbage cannot grow memory without bound.
export class LineSplitter {
  private buf = '';
  constructor(private onLine: (line: string) => void, private maxLine = 4096) {}

  push(chunk: Buffer | string): void {
    this.buf += typeof chunk === 'string' ? chunk : chunk.toString('latin1');
    let m: RegExpExecArray | null;
    const re = /\r\n|\n|\r(?!$)/g;
    let start = 0;
    while ((m = re.exec(this.buf)) !== null) {
      this.onLine(this.buf.slice(start, m.index));
      start = m.index + m[0].length;
    }
    this.buf = this.buf.slice(start);
    // A trailing lone \r may be the first half of \r\n: keep it until the next chunk.
    while (this.buf.length > this.maxLine) {
      this.onLine(this.buf.slice(0, this.maxLine));
      this.buf = this.buf.slice(this.maxLine);
    }
  }

  /** Emits what is left (a last line without a line ending). */
  flush(): void {
    const rest = this.buf.replace(/\r$/, '');
    this.buf = '';
    if (rest.length) this.onLine(rest);
  }
}
