import { describe, expect, it } from "vitest";
import { parseTemplate, renderTemplate, renderValue, TemplateError } from "./template-language.ts";

const data = { event: { call_id: "CAL-1", duration: 42, tags: ["a", "b"], summary: null, nested: { name: "Ada" } }, steps: { task: { task_id: "1001" } } };

describe("template language", () => {
  it("renders paths into text, keeps a whole placeholder's type, and reads array indexes", () => {
    expect(renderTemplate("Call {{ event.call_id }} took {{event.duration}}s", data)).toBe("Call CAL-1 took 42s");
    expect(renderTemplate("{{ event.duration }}", data)).toBe(42);
    expect(renderTemplate("{{ event.tags.1 }}", data)).toBe("b");
    expect(renderValue({ id: "{{ steps.task.task_id }}", list: ["{{ event.nested }}"], n: 3 }, data)).toEqual({ id: "1001", list: [{ name: "Ada" }], n: 3 });
  });

  it("applies filters: default, upper, lower, json, truncate", () => {
    expect(renderTemplate('{{ event.summary | default("none") }}', data)).toBe("none");
    expect(renderTemplate("{{ event.nested.name | upper }}-{{ event.nested.name | lower }}", data)).toBe("ADA-ada");
    expect(renderTemplate("{{ event.tags | json }}", data)).toBe('["a","b"]');
    expect(renderTemplate("{{ event.call_id | truncate(3) }}", data)).toBe("CAL");
  });

  it("renders a missing field as empty text (null when it is the whole value)", () => {
    expect(renderTemplate("x{{ event.nope }}y", data)).toBe("xy");
    expect(renderTemplate("{{ event.nope.deeper }}", data)).toBeNull();
  });

  it("cannot reach prototypes, code or anything but the data it is given", () => {
    for (const text of ["{{ event.__proto__ }}", "{{ event.constructor }}", "{{ steps.task.prototype }}"]) expect(() => parseTemplate(text)).toThrow(TemplateError);
    for (const text of ["{{ process.env }}", "{{ globalThis.ENCRYPTION_KEY }}"]) expect(renderTemplate(text, data)).toBeNull();
    expect(() => parseTemplate("{{ event['call_id'] }}")).toThrow(/not a field path/);
    expect(() => parseTemplate("{{ (() => 1)() }}")).toThrow(TemplateError);
    expect(renderTemplate("{{ event.tags.length }}", data)).toBeNull();
  });

  it("refuses unknown filters, empty and unclosed placeholders", () => {
    expect(() => parseTemplate("{{ event.call_id | eval }}")).toThrow(/unknown filter/);
    expect(() => parseTemplate("{{ }}")).toThrow(/empty placeholder/);
    expect(() => parseTemplate("{{ event.call_id")).toThrow(/never closed/);
  });
});
