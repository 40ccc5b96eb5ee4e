/**
 * A small, strict XML 1.0 parser for TwiML documents: elements, attributes, text, CDATA, comments and the five
 * predefined entities plus character references. Anything not well-formed (mismatched or unclosed tags, a bare `&`,
 * `<` in an attribute, duplicate attributes, text outside the root, a DOCTYPE) is an error, as it is for Twilio.
 */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlNode[];
}

export type XmlNode = XmlElement | { text: string };

export type XmlParseResult = { ok: true; root: XmlElement } | { ok: false; error: string };

const NAME = /[A-Za-z_:][A-Za-z0-9._:-]*/y;
const SPACE = /[ \t\r\n]*/y;
const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

class XmlSyntaxError extends Error {}

class Cursor {
  readonly text: string;
  pos = 0;

  constructor(text: string) {
    this.text = text;
  }

  fail(message: string): never {
    const line = this.text.slice(0, this.pos).split("\n").length;
    throw new XmlSyntaxError(`${message} (line ${line})`);
  }

  startsWith(s: string): boolean {
    return this.text.startsWith(s, this.pos);
  }

  expect(s: string): void {
    if (!this.startsWith(s)) this.fail(`expected '${s}'`);
    this.pos += s.length;
  }

  skipSpace(): boolean {
    SPACE.lastIndex = this.pos;
    SPACE.exec(this.text);
    const moved = SPACE.lastIndex > this.pos;
    this.pos = SPACE.lastIndex;
    return moved;
  }

  name(): string {
    NAME.lastIndex = this.pos;
    const m = NAME.exec(this.text);
    if (!m) this.fail("expected a name");
    this.pos = NAME.lastIndex;
    return m[0];
  }

  until(terminator: string, what: string): string {
    const end = this.text.indexOf(terminator, this.pos);
    if (end === -1) this.fail(`unterminated ${what}`);
    const body = this.text.slice(this.pos, end);
    this.pos = end + terminator.length;
    return body;
  }
}

function decodeEntities(raw: string, cursor: Cursor): string {
  return raw.replace(/&([^;&]*);?/g, (whole, ref: string) => {
    if (!whole.endsWith(";")) cursor.fail("bare '&' (escape it as &amp;)");
    if (ref.startsWith("#")) {
      const code = ref.startsWith("#x") ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      if (!/^#(x[0-9a-fA-F]+|[0-9]+)$/.test(ref) || !(code > 0 && code <= 0x10ffff)) cursor.fail(`bad character reference &${ref};`);
      return String.fromCodePoint(code);
    }
    const value = ENTITIES[ref];
    if (value === undefined) cursor.fail(`unknown entity &${ref};`);
    return value;
  });
}

/** Comments and processing instructions between markup; returns false when neither is next. */
function skipMisc(c: Cursor): boolean {
  if (c.startsWith("<!--")) {
    c.pos += 4;
    const body = c.until("-->", "comment");
    if (body.includes("--")) c.fail("'--' inside a comment");
    return true;
  }
  if (c.startsWith("<?")) {
    c.pos += 2;
    const target = c.name();
    if (target.toLowerCase() === "xml") c.fail("XML declaration not at the start of the document");
    c.until("?>", "processing instruction");
    return true;
  }
  if (c.startsWith("<!DOCTYPE")) c.fail("DOCTYPE is not allowed");
  return false;
}

function parseElement(c: Cursor): XmlElement {
  c.expect("<");
  const name = c.name();
  const attributes: Record<string, string> = {};
  for (;;) {
    const spaced = c.skipSpace();
    if (c.startsWith("/>")) {
      c.pos += 2;
      return { name, attributes, children: [] };
    }
    if (c.startsWith(">")) {
      c.pos += 1;
      break;
    }
    if (!spaced) c.fail(`expected whitespace before an attribute of <${name}>`);
    const attr = c.name();
    if (Object.hasOwn(attributes, attr)) c.fail(`duplicate attribute '${attr}' on <${name}>`);
    c.skipSpace();
    c.expect("=");
    c.skipSpace();
    const quote = c.text[c.pos];
    if (quote !== '"' && quote !== "'") c.fail(`attribute '${attr}' value must be quoted`);
    c.pos += 1;
    const raw = c.until(quote, "attribute value");
    if (raw.includes("<")) c.fail(`'<' in attribute '${attr}'`);
    attributes[attr] = decodeEntities(raw, c).replace(/[\t\r\n]/g, " ");
  }
  const children: XmlNode[] = [];
  for (;;) {
    if (c.pos >= c.text.length) c.fail(`<${name}> is not closed`);
    if (c.startsWith("</")) {
      c.pos += 2;
      const closing = c.name();
      if (closing !== name) c.fail(`</${closing}> does not match <${name}>`);
      c.skipSpace();
      c.expect(">");
      return { name, attributes, children };
    }
    if (c.startsWith("<![CDATA[")) {
      c.pos += 9;
      children.push({ text: c.until("]]>", "CDATA section") });
    } else if (skipMisc(c)) {
      continue;
    } else if (c.startsWith("<")) {
      children.push(parseElement(c));
    } else {
      const end = c.text.indexOf("<", c.pos);
      const raw = c.text.slice(c.pos, end === -1 ? c.text.length : end);
      if (raw.includes("]]>")) c.fail("']]>' in text");
      c.pos += raw.length;
      children.push({ text: decodeEntities(raw, c) });
    }
  }
}

export function parseXml(text: string): XmlParseResult {
  const c = new Cursor(text.startsWith("\uFEFF") ? text.slice(1) : text);
  try {
    if (c.startsWith("<?xml")) {
      c.pos += 5;
      if (!/^[ \t\r\n]/.test(c.text[c.pos] ?? "")) c.fail("malformed XML declaration");
      c.until("?>", "XML declaration");
    }
    for (;;) {
      c.skipSpace();
      if (!skipMisc(c)) break;
    }
    if (!c.startsWith("<")) c.fail(c.pos >= c.text.length ? "empty document" : "text before the root element");
    const root = parseElement(c);
    for (;;) {
      c.skipSpace();
      if (c.pos >= c.text.length) break;
      if (!skipMisc(c)) c.fail("content after the root element");
    }
    return { ok: true, root };
  } catch (err) {
    if (err instanceof XmlSyntaxError) return { ok: false, error: err.message };
    throw err;
  }
}

/** Concatenated text content of an element (direct text children only). */
export const textOf = (el: XmlElement): string =>
  el.children.map((n) => ("text" in n ? n.text : "")).join("");
