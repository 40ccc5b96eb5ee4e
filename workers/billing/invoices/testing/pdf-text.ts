import { PDFArray, PDFDocument, PDFName, PDFRawStream, type PDFObject } from "pdf-lib";

async function inflate(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A content stream's bytes, inflated when pdf-lib compressed it (FlateDecode). */
async function streamBytes(stream: PDFRawStream): Promise<Uint8Array> {
  const filter = stream.dict.get(PDFName.of("Filter"));
  return filter === PDFName.of("FlateDecode") ? inflate(stream.contents) : stream.contents;
}

/**
 * The text each page shows, one string per text-showing operator, in drawing order: read back from the PDF's
 * content streams (pdf-lib writes standard-font text as hex strings, `<48656C6C6F> Tj`, in WinAnsi).
 */
export async function pdfText(bytes: Uint8Array): Promise<{ doc: PDFDocument; pages: string[][] }> {
  const doc = await PDFDocument.load(bytes);
  const pages: string[][] = [];
  for (const page of doc.getPages()) {
    const contents = page.node.get(PDFName.of("Contents"));
    const refs: PDFObject[] = contents instanceof PDFArray ? contents.asArray() : [contents!];
    const shown: string[] = [];
    for (const ref of refs) {
      const stream = doc.context.lookup(ref);
      if (!(stream instanceof PDFRawStream)) continue;
      const ops = new TextDecoder("latin1").decode(await streamBytes(stream));
      for (const [, hex] of ops.matchAll(/<([0-9A-Fa-f]*)>\s*Tj/g)) shown.push(String.fromCharCode(...(hex!.match(/../g) ?? []).map((h) => parseInt(h, 16))));
    }
    pages.push(shown);
  }
  return { doc, pages };
}
